// Permission checks with two different non-root users (alice, bob) and root,
// and the sticky directory rules.
#include <catch2/catch.hpp>

#include "tests/unit/pintree/tree_fixture.h"

using namespace bpffs;
using namespace bpffs::test;

namespace {

void chmod(PinTree &tree, Ino ino, mode_t mode) {
    SetAttr change;
    change.mode = mode;
    REQUIRE(tree.setattr(kRoot, ino, change));
}

}  // namespace

TEST_CASE("get needs read for R_OK, write for W_OK, both for flags 0 (spec 4.7)") {
    PinTree tree(PinTreeOptions{});
    auto obj = std::make_shared<Thing>();
    REQUIRE(tree.pin(kRoot, "m", obj));
    Ino m = stat_of(tree, "", "m").st_ino;
    // 0600 root file: other users get nothing, root gets everything.
    CHECK(err(tree.get(kAlice, "m", R_OK)) == EACCES);
    CHECK(err(tree.get(kAlice, "m", W_OK)) == EACCES);
    CHECK(*tree.get(kRoot, "m", R_OK | W_OK) == obj);
    chmod(tree, m, 0644);
    CHECK(*tree.get(kAlice, "m", R_OK) == obj);
    CHECK(err(tree.get(kAlice, "m", R_OK | W_OK)) == EACCES);
    chmod(tree, m, 0666);
    CHECK(*tree.get(kAlice, "m", R_OK | W_OK) == obj);
    // Group bits apply to members of the group, not to the owner.
    SetAttr group;
    group.gid = 1000;
    REQUIRE(tree.setattr(kRoot, m, group));
    chmod(tree, m, 0060);
    CHECK(*tree.get(kAlice, "m", R_OK | W_OK) == obj);
    CHECK(err(tree.get(kBob, "m", R_OK)) == EACCES);
    Cred bob_in_group = kBob;
    bob_in_group.groups = {1000};
    CHECK(*tree.get(bob_in_group, "m", R_OK) == obj);
    SetAttr own;
    own.uid = 1000;
    REQUIRE(tree.setattr(kRoot, m, own));
    CHECK(err(tree.get(kAlice, "m", R_OK)) == EACCES);  // owner bits are 0
}

TEST_CASE("pin needs write and search permission on the directory") {
    PinTree tree(PinTreeOptions{});
    auto d = tree.mkdir(kRoot, kRootIno, "d", 0755);
    CHECK(err(tree.pin(kAlice, "d/m", std::make_shared<Thing>())) == EACCES);
    // Root's directory mode 0755: a user cannot pin there (spec 4.7).
    PinTreeOptions closed;
    closed.root_mode = 0755;
    PinTree closed_tree(closed);
    CHECK(err(closed_tree.pin(kAlice, "m", std::make_shared<Thing>())) == EACCES);
    // Into the sticky 1777 root: fine, owned by the user.
    REQUIRE(tree.pin(kAlice, "mine", std::make_shared<Thing>()));
    CHECK(stat_of(tree, "", "mine").st_uid == 1000);
    // No search permission on an intermediate directory: EACCES.
    REQUIRE(tree.pin(kRoot, "d/m", std::make_shared<Thing>()));
    Ino m = stat_of(tree, "d", "m").st_ino;
    chmod(tree, m, 0666);
    CHECK(tree.get(kAlice, "d/m", R_OK));
    chmod(tree, d->st_ino, 0700);
    CHECK(err(tree.get(kAlice, "d/m", R_OK)) == EACCES);
    CHECK(err(tree.lookup(kAlice, d->st_ino, "m")) == EACCES);
}

TEST_CASE("sticky root: users remove their own pins but not others' (EPERM)") {
    PinTree tree(PinTreeOptions{});
    REQUIRE(tree.pin(kAlice, "alice", std::make_shared<Thing>()));
    REQUIRE(tree.pin(kBob, "bob", std::make_shared<Thing>()));
    REQUIRE(tree.pin(kRoot, "root", std::make_shared<Thing>()));
    CHECK(err(tree.unlink(kAlice, kRootIno, "bob")) == EPERM);
    CHECK(err(tree.unlink(kAlice, kRootIno, "root")) == EPERM);
    CHECK(err(tree.rename(kAlice, kRootIno, "bob", kRootIno, "stolen", 0)) == EPERM);
    // Replacing someone else's entry by rename is a removal too.
    CHECK(err(tree.rename(kAlice, kRootIno, "alice", kRootIno, "bob", 0)) == EPERM);
    REQUIRE(tree.unlink(kAlice, kRootIno, "alice"));
    REQUIRE(tree.unlink(kRoot, kRootIno, "bob"));
    // The owner of a sticky directory may remove anything in it.
    auto d = tree.mkdir(kAlice, kRootIno, "d", 0777);
    SetAttr sticky;
    sticky.mode = 01777;
    REQUIRE(tree.setattr(kAlice, d->st_ino, sticky));
    REQUIRE(tree.pin(kBob, "d/b", std::make_shared<Thing>()));
    REQUIRE(tree.unlink(kAlice, d->st_ino, "b"));
}

TEST_CASE("without the sticky bit, write permission on the directory is enough") {
    PinTree tree(PinTreeOptions{});
    auto d = tree.mkdir(make_cred(0, 0, 0), kRootIno, "d", 0777);
    REQUIRE(tree.pin(kBob, "d/b", std::make_shared<Thing>()));
    REQUIRE(tree.unlink(kAlice, d->st_ino, "b"));
    auto locked = tree.mkdir(kRoot, kRootIno, "locked", 0755);
    REQUIRE(tree.pin(kRoot, "locked/m", std::make_shared<Thing>()));
    CHECK(err(tree.unlink(kAlice, locked->st_ino, "m")) == EACCES);
    CHECK(err(tree.mkdir(kAlice, locked->st_ino, "x", 0755)) == EACCES);
    CHECK(err(tree.symlink(kAlice, locked->st_ino, "x", "m")) == EACCES);
    CHECK(err(tree.mknod(kAlice, locked->st_ino, "x", S_IFREG)) == EACCES);
}

TEST_CASE("setattr permissions: chmod by owner, chown by root, chgrp to own groups") {
    PinTree tree(PinTreeOptions{});
    REQUIRE(tree.pin(kAlice, "m", std::make_shared<Thing>()));
    Ino m = stat_of(tree, "", "m").st_ino;
    SetAttr mode;
    mode.mode = 0644;
    CHECK(err(tree.setattr(kBob, m, mode)) == EPERM);
    CHECK(tree.setattr(kAlice, m, mode));
    SetAttr to_bob;
    to_bob.uid = 1001;
    CHECK(err(tree.setattr(kAlice, m, to_bob)) == EPERM);
    CHECK(err(tree.setattr(kBob, m, to_bob)) == EPERM);
    SetAttr same_owner;
    same_owner.uid = 1000;
    CHECK(tree.setattr(kAlice, m, same_owner));
    Cred alice_in_500 = kAlice;
    alice_in_500.groups = {500};
    SetAttr grp;
    grp.gid = 500;
    CHECK(err(tree.setattr(kAlice, m, grp)) == EPERM);
    CHECK(tree.setattr(alice_in_500, m, grp)->st_gid == 500);
    CHECK(err(tree.setattr(kBob, m, grp)) == EPERM);
    // Explicit times: owner only (EPERM); "now": owner or writer (EACCES).
    SetAttr times;
    times.mtime = timespec{5, 0};
    CHECK(err(tree.setattr(kBob, m, times)) == EPERM);
    SetAttr now;
    now.mtime_now = true;
    CHECK(err(tree.setattr(kBob, m, now)) == EACCES);
    mode.mode = 0666;
    REQUIRE(tree.setattr(kAlice, m, mode));
    CHECK(tree.setattr(kBob, m, now));
    // Truncate needs write permission unless done through an open file.
    mode.mode = 0644;
    REQUIRE(tree.setattr(kAlice, m, mode));
    SetAttr truncate;
    truncate.size = 3;
    CHECK(err(tree.setattr(kBob, m, truncate)) == EACCES);
    truncate.through_open_file = true;
    CHECK(tree.setattr(kBob, m, truncate)->st_size == 3);
}

TEST_CASE("chmod by a non-member drops setgid; chown drops setuid") {
    PinTree tree(PinTreeOptions{});
    auto d = tree.mkdir(kAlice, kRootIno, "d", 0755);
    SetAttr chgrp;
    chgrp.gid = 500;
    REQUIRE(tree.setattr(kRoot, d->st_ino, chgrp));
    SetAttr setgid;
    setgid.mode = 02755;
    CHECK((tree.setattr(kAlice, d->st_ino, setgid)->st_mode & S_ISGID) == 0);
    CHECK((tree.setattr(kRoot, d->st_ino, setgid)->st_mode & S_ISGID) != 0);
    REQUIRE(tree.pin(kRoot, "m", std::make_shared<Thing>()));
    Ino m = stat_of(tree, "", "m").st_ino;
    SetAttr setuid;
    setuid.mode = 04600;
    CHECK((tree.setattr(kRoot, m, setuid)->st_mode & S_ISUID) != 0);
    SetAttr chown;
    chown.uid = 1000;
    CHECK((tree.setattr(kRoot, m, chown)->st_mode & S_ISUID) == 0);
}

TEST_CASE("access(2): F_OK, rwx bits, root needs an x bit to execute files") {
    PinTree tree(PinTreeOptions{});
    REQUIRE(tree.pin(kRoot, "m", std::make_shared<Thing>()));
    Ino m = stat_of(tree, "", "m").st_ino;
    CHECK(tree.access(kAlice, m, F_OK));
    CHECK(err(tree.access(kAlice, m, R_OK)) == EACCES);
    CHECK(tree.access(kRoot, m, R_OK | W_OK));
    CHECK(err(tree.access(kRoot, m, X_OK)) == EACCES);
    CHECK(tree.access(kAlice, kRootIno, R_OK | W_OK | X_OK));
    CHECK(err(tree.access(kAlice, 424242, F_OK)) == ENOENT);
}

TEST_CASE("hard links by strangers need read and write access (protected_hardlinks)") {
    PinTree tree(PinTreeOptions{});
    REQUIRE(tree.pin(kBob, "b", std::make_shared<Thing>()));
    Ino b = stat_of(tree, "", "b").st_ino;
    CHECK(err(tree.link(kAlice, b, kRootIno, "b2")) == EPERM);
    chmod(tree, b, 0666);
    CHECK(tree.link(kAlice, b, kRootIno, "b2"));
    CHECK(tree.link(kBob, b, kRootIno, "b3"));
}

TEST_CASE("moving a directory to another parent needs write permission on it") {
    PinTree tree(PinTreeOptions{});
    Cred alice_umask0 = make_cred(1000, 1000, 0);
    auto from = tree.mkdir(alice_umask0, kRootIno, "from", 0777);
    auto to = tree.mkdir(alice_umask0, kRootIno, "to", 0777);
    REQUIRE(tree.mkdir(kBob, from->st_ino, "bobs", 0555));
    CHECK(err(tree.rename(kBob, from->st_ino, "bobs", to->st_ino, "bobs", 0)) == EACCES);
    // Within the same parent no write permission on it is needed.
    CHECK(tree.rename(kBob, from->st_ino, "bobs", from->st_ino, "renamed", 0));
}
