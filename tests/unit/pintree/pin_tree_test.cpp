// Attributes, pin/get and the directory operations of the pin tree.
#include <catch2/catch.hpp>

#include "tests/unit/pintree/tree_fixture.h"

using namespace bpffs;
using namespace bpffs::test;

TEST_CASE("the root is inode 1, sticky 1777 by default, with nlink 2 + subdirectories") {
    PinTree tree(PinTreeOptions{});
    auto root = tree.getattr(kRootIno);
    REQUIRE(root);
    CHECK(root->st_ino == 1);
    CHECK(root->st_mode == (S_IFDIR | 01777));
    CHECK(root->st_nlink == 2);
    CHECK(root->st_size == 0);
    CHECK(root->st_blksize == 4096);
    REQUIRE(tree.mkdir(kRoot, kRootIno, "a", 0755));
    REQUIRE(tree.mkdir(kRoot, kRootIno, "b", 0755));
    CHECK(tree.getattr(kRootIno)->st_nlink == 4);
}

TEST_CASE("mount options: mode gets the sticky bit, uid and gid own the root") {
    PinTreeOptions opts;
    opts.root_mode = 0700;
    opts.root_uid = 1000;
    opts.root_gid = 1001;
    PinTree tree(opts);
    auto root = tree.getattr(kRootIno);
    CHECK(root->st_mode == (S_IFDIR | 01700));
    CHECK(root->st_uid == 1000);
    CHECK(root->st_gid == 1001);
}

TEST_CASE("pin creates 0600 & ~umask files owned by the caller; get returns the object") {
    PinTree tree(PinTreeOptions{});
    auto obj = std::make_shared<Thing>();
    REQUIRE(tree.pin(kAlice, "m", obj));
    auto st = stat_of(tree, "", "m");
    CHECK(st.st_mode == (S_IFREG | 0600));
    CHECK(st.st_uid == 1000);
    CHECK(st.st_gid == 1000);
    CHECK(st.st_nlink == 1);
    CHECK(st.st_size == 0);
    CHECK(st.st_ino > 1);
    CHECK(*tree.get(kAlice, "m", R_OK | W_OK) == obj);

    // umask 022/077/0 keep 0600; 0277/0377 leave 0400 (spec 4.2).
    struct Case {
        mode_t umask;
        mode_t mode;
    } cases[] = {{022, 0600}, {077, 0600}, {0, 0600}, {0277, 0400}, {0377, 0400}};
    int n = 0;
    for (auto c : cases) {
        std::string name = "u" + std::to_string(n++);
        REQUIRE(tree.pin(make_cred(0, 0, c.umask), name, obj));
        CHECK((stat_of(tree, "", name).st_mode & 07777) == c.mode);
    }
}

TEST_CASE("pin errors: EEXIST, ENOENT, ENOTDIR, EPERM outside, EINVAL without object") {
    PinTree tree(PinTreeOptions{});
    auto obj = std::make_shared<Thing>();
    REQUIRE(tree.pin(kRoot, "m", obj));
    CHECK(err(tree.pin(kRoot, "m", obj)) == EEXIST);
    CHECK(err(tree.pin(kRoot, "nodir/m", obj)) == ENOENT);
    CHECK(err(tree.pin(kRoot, "m/x", obj)) == ENOTDIR);
    CHECK(err(tree.pin(kRoot, "../x", obj)) == EPERM);
    CHECK(err(tree.pin(kRoot, "", obj)) == EEXIST);
    CHECK(err(tree.pin(kRoot, "n", nullptr)) == EINVAL);
    REQUIRE(tree.pin(kRoot, "second", obj));  // the same object, twice
    CHECK(*tree.get(kRoot, "second", R_OK) == obj);
}

TEST_CASE("get errors: ENOENT, EACCES for directories, EPERM for dotted paths") {
    PinTree tree(PinTreeOptions{});
    REQUIRE(tree.mkdir(kRoot, kRootIno, "d", 0755));
    CHECK(err(tree.get(kRoot, "missing", R_OK)) == ENOENT);
    CHECK(err(tree.get(kRoot, "d", R_OK)) == EACCES);
    CHECK(err(tree.get(kRoot, "", R_OK)) == EACCES);
    CHECK(err(tree.get(kRoot, "a.b", R_OK)) == EPERM);
    CHECK(err(tree.get(kRoot, "d/x/y", R_OK)) == ENOENT);
}

TEST_CASE("mkdir applies umask, keeps the sticky bit and drops setuid") {
    PinTree tree(PinTreeOptions{});
    auto d = tree.mkdir(kAlice, kRootIno, "d", 07777);
    REQUIRE(d);
    CHECK(d->st_mode == (S_IFDIR | 01755));
    CHECK(d->st_nlink == 2);
    CHECK(d->st_uid == 1000);
    CHECK(err(tree.mkdir(kAlice, kRootIno, "d", 0755)) == EEXIST);
    CHECK(err(tree.mkdir(kAlice, 999999, "x", 0755)) == ENOENT);
}

TEST_CASE("setgid directories give their group and setgid bit to new entries") {
    PinTree tree(PinTreeOptions{});
    auto d = tree.mkdir(kRoot, kRootIno, "shared", 0777);
    REQUIRE(d);
    SetAttr change;
    change.mode = 02777;
    change.gid = 500;
    REQUIRE(tree.setattr(kRoot, d->st_ino, change));
    auto sub = tree.mkdir(kAlice, d->st_ino, "sub", 0755);
    REQUIRE(sub);
    CHECK(sub->st_gid == 500);
    CHECK((sub->st_mode & S_ISGID) != 0);
    REQUIRE(tree.pin(kAlice, "shared/m", std::make_shared<Thing>()));
    auto m = stat_of(tree, "shared", "m");
    CHECK(m.st_gid == 500);
    CHECK(m.st_mode == (S_IFREG | 0600));
}

TEST_CASE("rmdir and unlink: ENOTEMPTY, ENOTDIR, EISDIR, nlink of the parent") {
    PinTree tree(PinTreeOptions{});
    auto d = tree.mkdir(kRoot, kRootIno, "d", 0755);
    REQUIRE(tree.pin(kRoot, "d/m", std::make_shared<Thing>()));
    CHECK(err(tree.rmdir(kRoot, kRootIno, "d")) == ENOTEMPTY);
    CHECK(err(tree.unlink(kRoot, kRootIno, "d")) == EISDIR);
    CHECK(err(tree.rmdir(kRoot, d->st_ino, "m")) == ENOTDIR);
    CHECK(err(tree.unlink(kRoot, d->st_ino, "nothere")) == ENOENT);
    REQUIRE(tree.unlink(kRoot, d->st_ino, "m"));
    CHECK(tree.getattr(kRootIno)->st_nlink == 3);
    REQUIRE(tree.rmdir(kRoot, kRootIno, "d"));
    CHECK(tree.getattr(kRootIno)->st_nlink == 2);
    CHECK(err(tree.get(kRoot, "d/m", R_OK)) == ENOENT);
}

TEST_CASE("creating and removing entries updates the parent's mtime and ctime") {
    PinTree tree(PinTreeOptions{});
    auto d = tree.mkdir(kRoot, kRootIno, "d", 0755);
    timespec old{1, 0};
    SetAttr back;
    back.mtime = old;
    back.atime = old;
    REQUIRE(tree.setattr(kRoot, d->st_ino, back));
    CHECK(tree.getattr(d->st_ino)->st_mtim.tv_sec == 1);
    REQUIRE(tree.pin(kRoot, "d/m", std::make_shared<Thing>()));
    auto after_pin = tree.getattr(d->st_ino);
    CHECK(after_pin->st_mtim.tv_sec > 1);
    CHECK(after_pin->st_ctim.tv_sec > 1);
    REQUIRE(tree.setattr(kRoot, d->st_ino, back));
    REQUIRE(tree.unlink(kRoot, d->st_ino, "m"));
    CHECK(tree.getattr(d->st_ino)->st_mtim.tv_sec > 1);
}

TEST_CASE("get touches atime under relatime rules") {
    PinTree tree(PinTreeOptions{});
    REQUIRE(tree.pin(kRoot, "m", std::make_shared<Thing>()));
    Ino ino = stat_of(tree, "", "m").st_ino;
    SetAttr old;
    old.atime = timespec{1000, 0};
    REQUIRE(tree.setattr(kRoot, ino, old));
    CHECK(tree.getattr(ino)->st_atim.tv_sec == 1000);
    REQUIRE(tree.get(kRoot, "m", R_OK));
    CHECK(tree.getattr(ino)->st_atim.tv_sec > 1000);
}

TEST_CASE("symlinks: mode 0777, size 0, readlink, followed by get inside the tree") {
    PinTreeOptions opts;
    opts.mount_point = "/run/bpffs";
    PinTree tree(opts);
    auto obj = std::make_shared<Thing>();
    REQUIRE(tree.mkdir(kRoot, kRootIno, "d", 0755));
    REQUIRE(tree.pin(kRoot, "d/m", obj));
    auto rel = tree.symlink(kRoot, kRootIno, "rel", "d/m");
    REQUIRE(rel);
    CHECK(rel->st_mode == (S_IFLNK | 0777));
    CHECK(rel->st_size == 0);
    CHECK(rel->st_nlink == 1);
    CHECK(*tree.readlink(rel->st_ino) == "d/m");
    CHECK(err(tree.readlink(kRootIno)) == EINVAL);
    CHECK(*tree.get(kRoot, "rel", R_OK) == obj);

    // Absolute targets are followed below the mount point; a link to a
    // directory works as an intermediate component; ".." is resolved.
    REQUIRE(tree.symlink(kRoot, kRootIno, "abs", "/run/bpffs/d/m"));
    CHECK(*tree.get(kRoot, "abs", R_OK) == obj);
    REQUIRE(tree.symlink(kRoot, kRootIno, "dirlink", "/run/bpffs/d"));
    CHECK(*tree.get(kRoot, "dirlink/m", R_OK) == obj);
    Ino d = stat_of(tree, "", "d").st_ino;
    REQUIRE(tree.symlink(kRoot, d, "up", "../rel"));
    CHECK(*tree.get(kRoot, "d/up", R_OK) == obj);
    // Targets may contain dots (only link names are checked).
    REQUIRE(tree.symlink(kRoot, kRootIno, "dotted", "../x.y"));

    // Outside the mount: EACCES for get (not a bpffs inode).
    REQUIRE(tree.symlink(kRoot, kRootIno, "etc", "/etc/hostname"));
    CHECK(err(tree.get(kRoot, "etc", R_OK)) == EACCES);
    REQUIRE(tree.symlink(kRoot, kRootIno, "prefix", "/run/bpffsX/d/m"));
    CHECK(err(tree.get(kRoot, "prefix", R_OK)) == EACCES);
    // A dangling link inside the tree: ENOENT.
    REQUIRE(tree.symlink(kRoot, kRootIno, "dangling", "nothing"));
    CHECK(err(tree.get(kRoot, "dangling", R_OK)) == ENOENT);
    // Pin does not follow the last component: the link itself exists.
    CHECK(err(tree.pin(kRoot, "dangling", obj)) == EEXIST);
    // Loops: ELOOP.
    REQUIRE(tree.symlink(kRoot, kRootIno, "loop1", "loop2"));
    REQUIRE(tree.symlink(kRoot, kRootIno, "loop2", "loop1"));
    CHECK(err(tree.get(kRoot, "loop1", R_OK)) == ELOOP);
    CHECK(err(tree.symlink(kRoot, kRootIno, "empty", "")) == ENOENT);
}

TEST_CASE("hard links share the inode and object; directories cannot be linked") {
    PinTree tree(PinTreeOptions{});
    auto obj = std::make_shared<Thing>();
    REQUIRE(tree.pin(kRoot, "m", obj));
    auto d = tree.mkdir(kRoot, kRootIno, "d", 0755);
    Ino m = stat_of(tree, "", "m").st_ino;
    auto linked = tree.link(kRoot, m, d->st_ino, "m2");
    REQUIRE(linked);
    CHECK(linked->st_ino == m);
    CHECK(linked->st_nlink == 2);
    CHECK(*tree.get(kRoot, "d/m2", R_OK) == obj);
    CHECK(err(tree.link(kRoot, m, d->st_ino, "m2")) == EEXIST);
    CHECK(err(tree.link(kRoot, m, d->st_ino, "m.2")) == EPERM);
    CHECK(err(tree.link(kRoot, d->st_ino, kRootIno, "dd")) == EPERM);
    REQUIRE(tree.unlink(kRoot, kRootIno, "m"));
    CHECK(tree.getattr(m)->st_nlink == 1);
    CHECK(*tree.get(kRoot, "d/m2", R_OK) == obj);
}

TEST_CASE("mknod and creat: EACCES for regular files, EPERM for the rest, EEXIST first") {
    PinTree tree(PinTreeOptions{});
    REQUIRE(tree.pin(kRoot, "m", std::make_shared<Thing>()));
    CHECK(err(tree.mknod(kRoot, kRootIno, "f", S_IFREG | 0644)) == EACCES);
    CHECK(err(tree.mknod(kRoot, kRootIno, "c", S_IFCHR | 0644)) == EPERM);
    CHECK(err(tree.mknod(kRoot, kRootIno, "p", S_IFIFO | 0644)) == EPERM);
    CHECK(err(tree.mknod(kRoot, kRootIno, "s", S_IFSOCK | 0644)) == EPERM);
    CHECK(err(tree.mknod(kRoot, kRootIno, "m", S_IFREG | 0644)) == EEXIST);
    CHECK(err(tree.mknod(kRoot, kRootIno, "a.b", S_IFREG | 0644)) == EPERM);
}

TEST_CASE("setattr: chmod, chown, utimes and truncate (size changes, object untouched)") {
    PinTree tree(PinTreeOptions{});
    auto obj = std::make_shared<Thing>();
    REQUIRE(tree.pin(kRoot, "m", obj));
    Ino m = stat_of(tree, "", "m").st_ino;
    SetAttr chmod;
    chmod.mode = 0644;
    CHECK(tree.setattr(kRoot, m, chmod)->st_mode == (S_IFREG | 0644));
    SetAttr chown;
    chown.uid = 1000;
    chown.gid = 1000;
    auto owned = tree.setattr(kRoot, m, chown);
    CHECK(owned->st_uid == 1000);
    CHECK(owned->st_gid == 1000);
    SetAttr truncate;
    truncate.size = 10;
    CHECK(tree.setattr(kAlice, m, truncate)->st_size == 10);
    CHECK(*tree.get(kRoot, "m", R_OK) == obj);
    SetAttr times;
    times.atime = timespec{100, 5};
    times.mtime = timespec{200, 6};
    auto timed = tree.setattr(kAlice, m, times);
    CHECK(timed->st_atim.tv_sec == 100);
    CHECK(timed->st_mtim.tv_sec == 200);
    CHECK(timed->st_mtim.tv_nsec == 6);
    auto d = tree.mkdir(kRoot, kRootIno, "d", 0755);
    CHECK(err(tree.setattr(kRoot, d->st_ino, truncate)) == EISDIR);
    SetAttr negative;
    negative.size = -1;
    CHECK(err(tree.setattr(kRoot, m, negative)) == EINVAL);
}

TEST_CASE("open checks the access mode; list gives . and .. first") {
    PinTree tree(PinTreeOptions{});
    auto obj = std::make_shared<Thing>(ObjectKind::prog);
    REQUIRE(tree.pin(kRoot, "p", obj));
    auto d = tree.mkdir(kRoot, kRootIno, "d", 0755);
    Ino p = stat_of(tree, "", "p").st_ino;
    auto opened = tree.open(kRoot, p, O_RDONLY);
    REQUIRE(opened);
    CHECK(opened->object == obj);
    tree.release(p);
    CHECK(err(tree.open(kAlice, p, O_RDONLY)) == EACCES);
    CHECK(err(tree.open(kRoot, d->st_ino, O_WRONLY)) == EISDIR);
    REQUIRE(tree.open(kRoot, d->st_ino, O_RDONLY));
    auto entries = tree.list(kRootIno);
    REQUIRE(entries);
    REQUIRE(entries->size() == 4);
    CHECK((*entries)[0].name == ".");
    CHECK((*entries)[1].name == "..");
    CHECK((*entries)[1].ino == kRootIno);
    CHECK((*entries)[2].name == "d");
    CHECK((*entries)[2].type == S_IFDIR);
    CHECK((*entries)[3].name == "p");
    CHECK((*entries)[3].type == S_IFREG);
    CHECK((*tree.list(d->st_ino))[1].ino == kRootIno);
    tree.release(d->st_ino);
    CHECK(err(tree.list(p)) == ENOTDIR);
}

TEST_CASE("statfs: simple_statfs values") {
    PinTree tree(PinTreeOptions{});
    auto st = tree.statfs();
    CHECK(st.f_bsize == 4096);
    CHECK(st.f_frsize == 4096);
    CHECK(st.f_namemax == 255);
    CHECK(st.f_blocks == 0);
    CHECK(st.f_files == 0);
    CHECK(st.f_ffree == 0);
}

TEST_CASE("the change hook sees pins and atime updates, not FUSE-side operations") {
    PinTree tree(PinTreeOptions{});
    std::vector<TreeChange> seen;
    tree.set_change_hook([&](const TreeChange &c) { seen.push_back(c); });
    // A pin changes its directory's attributes (the root: always held by
    // the kernel); the new name needs no invalidation (ENOENT is not cached).
    REQUIRE(tree.pin(kRoot, "m", std::make_shared<Thing>()));
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].parent == 0);
    CHECK(seen[0].name.empty());
    CHECK(seen[0].ino == kRootIno);
    // The first OBJ_GET updates atime, but the kernel holds no such inode yet.
    REQUIRE(tree.get(kRoot, "m", R_OK));
    CHECK(seen.size() == 1);
    // The root's attributes are invalid in the kernel until it asks for
    // them again: a second pin tells it nothing new.
    REQUIRE(tree.pin(kRoot, "m3", std::make_shared<Thing>()));
    CHECK(seen.size() == 1);
    REQUIRE(tree.getattr(kRootIno));
    REQUIRE(tree.pin(kRoot, "m4", std::make_shared<Thing>()));
    REQUIRE(seen.size() == 2);
    CHECK(seen[1].ino == kRootIno);
    // Once looked up, an atime update invalidates the inode.
    auto looked = tree.lookup(kRoot, kRootIno, "m3");
    REQUIRE(looked);
    REQUIRE(tree.get(kRoot, "m3", R_OK));
    REQUIRE(seen.size() == 3);
    CHECK(seen[2].name.empty());
    CHECK(seen[2].ino == looked->st_ino);
    // A directory made through FUSE is held by the kernel (the reply was
    // its lookup) until it forgets it; then a pin in it tells it nothing.
    auto d = tree.mkdir(kRoot, kRootIno, "d", 0755);
    REQUIRE(d);
    CHECK(seen.size() == 3);
    REQUIRE(tree.pin(kRoot, "d/m", std::make_shared<Thing>()));
    REQUIRE(seen.size() == 4);
    CHECK(seen[3].ino == d->st_ino);
    tree.forget(d->st_ino, 1);
    REQUIRE(tree.pin(kRoot, "d/m2", std::make_shared<Thing>()));
    CHECK(seen.size() == 4);
    tree.set_change_hook({});
    REQUIRE(tree.pin(kRoot, "m2", std::make_shared<Thing>()));
    CHECK(seen.size() == 4);
}

TEST_CASE("a directory's attributes are invalidated once per time the kernel has them") {
    PinTree tree(PinTreeOptions{});
    std::vector<TreeChange> seen;
    tree.set_change_hook([&](const TreeChange &c) { seen.push_back(c); });
    auto d = tree.mkdir(kRoot, kRootIno, "d", 0755);  // the reply hands its attributes over
    REQUIRE(d);
    auto pins_notified = [&](const char *path) {
        size_t before = seen.size();
        REQUIRE(tree.pin(kRoot, path, std::make_shared<Thing>()));
        return seen.size() - before;
    };
    CHECK(pins_notified("d/a") == 1);
    CHECK(pins_notified("d/b") == 0);  // still invalid in the kernel
    // Every way the kernel gets attributes back makes the next change count.
    REQUIRE(tree.getattr(d->st_ino));
    CHECK(pins_notified("d/c") == 1);
    REQUIRE(tree.lookup(kRoot, kRootIno, "d"));
    CHECK(pins_notified("d/e") == 1);
    SetAttr chmod;
    chmod.mode = S_IFDIR | 0700;
    REQUIRE(tree.setattr(kRoot, d->st_ino, chmod));
    CHECK(pins_notified("d/f") == 1);
    REQUIRE(tree.lookup_listed(kRootIno, "d", d->st_ino));
    CHECK(pins_notified("d/g") == 1);
    CHECK(pins_notified("d/h") == 0);
}
