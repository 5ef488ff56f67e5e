// Names in bpffs: dotted names are reserved (EPERM, with the mode-000
// quirk), 255 bytes at most.
#include <catch2/catch.hpp>

#include "tests/unit/pintree/tree_fixture.h"

using namespace bpffs;
using namespace bpffs::test;

TEST_CASE("every operation refuses dotted names with EPERM") {
    PinTree tree(PinTreeOptions{});
    auto obj = std::make_shared<Thing>();
    REQUIRE(tree.pin(kRoot, "m", obj));
    Ino m = stat_of(tree, "", "m").st_ino;
    CHECK(err(tree.pin(kRoot, "a.b", obj)) == EPERM);
    CHECK(err(tree.pin(kRoot, ".hidden", obj)) == EPERM);
    CHECK(err(tree.mkdir(kRoot, kRootIno, "a.b", 0755)) == EPERM);
    CHECK(err(tree.mkdir(kRoot, kRootIno, ".hidden", 0755)) == EPERM);
    CHECK(err(tree.symlink(kRoot, kRootIno, "s.l", "m")) == EPERM);
    CHECK(err(tree.link(kRoot, m, kRootIno, "b.a")) == EPERM);
    CHECK(err(tree.rename(kRoot, kRootIno, "m", kRootIno, "b.a", 0)) == EPERM);
    // Even lookups and gets of such names: EPERM, not ENOENT.
    CHECK(err(tree.lookup(kRoot, kRootIno, "x.y")) == EPERM);
    CHECK(err(tree.get(kRoot, "x.y", R_OK)) == EPERM);
    CHECK(err(tree.unlink(kRoot, kRootIno, "x.y")) == EPERM);
}

TEST_CASE("in a directory of mode 000 dotted names are allowed (the preload quirk)") {
    PinTree tree(PinTreeOptions{});
    auto d = tree.mkdir(kRoot, kRootIno, "d", 0755);
    SetAttr zero;
    zero.mode = 0;
    REQUIRE(tree.setattr(kRoot, d->st_ino, zero));
    REQUIRE(tree.mkdir(kRoot, d->st_ino, "a.b", 0755));
    REQUIRE(tree.pin(kRoot, "d/m.x", std::make_shared<Thing>()));
    // Once the directory has a mode again the names are reserved again.
    SetAttr back;
    back.mode = 0755;
    REQUIRE(tree.setattr(kRoot, d->st_ino, back));
    CHECK(err(tree.lookup(kRoot, d->st_ino, "a.b")) == EPERM);
    // The sticky or setgid bit alone counts as "a mode" (S_IALLUGO).
    SetAttr sticky;
    sticky.mode = 01000;
    REQUIRE(tree.setattr(kRoot, d->st_ino, sticky));
    CHECK(err(tree.mkdir(kRoot, d->st_ino, "c.d", 0755)) == EPERM);
}

TEST_CASE("names of 255 bytes are fine, 256 give ENAMETOOLONG") {
    PinTree tree(PinTreeOptions{});
    std::string ok_name(255, 'n');
    std::string long_name(256, 'n');
    REQUIRE(tree.mkdir(kRoot, kRootIno, ok_name, 0755));
    REQUIRE(tree.pin(kRoot, std::string(255, 'p'), std::make_shared<Thing>()));
    CHECK(err(tree.mkdir(kRoot, kRootIno, long_name, 0755)) == ENAMETOOLONG);
    CHECK(err(tree.pin(kRoot, long_name, std::make_shared<Thing>())) == ENAMETOOLONG);
    CHECK(err(tree.lookup(kRoot, kRootIno, long_name)) == ENAMETOOLONG);
    // The dotted check comes first (bpf_lookup before simple_lookup).
    CHECK(err(tree.lookup(kRoot, kRootIno, std::string(255, 'n') + ".x")) == EPERM);
}

TEST_CASE("paths: repeated slashes, '.', '..' and a trailing slash") {
    PinTree tree(PinTreeOptions{});
    auto obj = std::make_shared<Thing>();
    REQUIRE(tree.mkdir(kRoot, kRootIno, "d", 0755));
    REQUIRE(tree.pin(kRoot, "d//m", obj));
    CHECK(*tree.get(kRoot, "./d/../d/m", R_OK) == obj);
    CHECK(err(tree.get(kRoot, "d/m/", R_OK)) == ENOTDIR);
    CHECK(err(tree.get(kRoot, "..", R_OK)) == EACCES);
    CHECK(err(tree.pin(kRoot, "d/n/", obj)) == ENOENT);
}
