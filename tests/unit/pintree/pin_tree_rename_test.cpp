// rename(2) with the kernel's simple_rename rules and the VFS checks.
#include <catch2/catch.hpp>

#include "tests/unit/pintree/tree_fixture.h"

using namespace bpffs;
using namespace bpffs::test;

TEST_CASE("rename moves files within and across directories") {
    PinTree tree(PinTreeOptions{});
    auto obj = std::make_shared<Thing>();
    REQUIRE(tree.pin(kRoot, "m", obj));
    auto d = tree.mkdir(kRoot, kRootIno, "d", 0755);
    Ino m = stat_of(tree, "", "m").st_ino;
    REQUIRE(tree.rename(kRoot, kRootIno, "m", kRootIno, "n", 0));
    CHECK(err(tree.get(kRoot, "m", R_OK)) == ENOENT);
    CHECK(*tree.get(kRoot, "n", R_OK) == obj);
    REQUIRE(tree.rename(kRoot, kRootIno, "n", d->st_ino, "m", 0));
    CHECK(*tree.get(kRoot, "d/m", R_OK) == obj);
    CHECK(tree.getattr(m)->st_ino == m);  // the inode is the same
    CHECK(err(tree.rename(kRoot, kRootIno, "missing", kRootIno, "x", 0)) == ENOENT);
}

TEST_CASE("rename over a pinned file drops the replaced object's reference") {
    PinTree tree(PinTreeOptions{});
    auto keep = std::make_shared<Thing>();
    auto replaced = std::make_shared<Thing>();
    std::weak_ptr<Thing> replaced_watch = replaced;
    REQUIRE(tree.pin(kRoot, "src", keep));
    REQUIRE(tree.pin(kRoot, "dst", replaced));
    replaced.reset();
    REQUIRE(tree.rename(kRoot, kRootIno, "src", kRootIno, "dst", 0));
    CHECK(replaced_watch.expired());
    CHECK(*tree.get(kRoot, "dst", R_OK) == keep);
    CHECK(err(tree.get(kRoot, "src", R_OK)) == ENOENT);
}

TEST_CASE("rename of directories: nlink moves, non-empty target ENOTEMPTY, type mismatches") {
    PinTree tree(PinTreeOptions{});
    auto a = tree.mkdir(kRoot, kRootIno, "a", 0755);
    auto b = tree.mkdir(kRoot, kRootIno, "b", 0755);
    auto e = tree.mkdir(kRoot, a->st_ino, "e", 0755);
    CHECK(tree.getattr(a->st_ino)->st_nlink == 3);
    REQUIRE(tree.rename(kRoot, a->st_ino, "e", b->st_ino, "e", 0));
    CHECK(tree.getattr(a->st_ino)->st_nlink == 2);
    CHECK(tree.getattr(b->st_ino)->st_nlink == 3);
    CHECK((*tree.list(e->st_ino))[1].ino == b->st_ino);  // ".." follows
    // Over a non-empty directory: ENOTEMPTY; over an empty one: replaced.
    REQUIRE(tree.pin(kRoot, "b/e/m", std::make_shared<Thing>()));
    REQUIRE(tree.mkdir(kRoot, kRootIno, "x", 0755));
    CHECK(err(tree.rename(kRoot, kRootIno, "x", b->st_ino, "e", 0)) == ENOTEMPTY);
    REQUIRE(tree.mkdir(kRoot, kRootIno, "empty", 0755));
    size_t rootlinks = tree.getattr(kRootIno)->st_nlink;
    REQUIRE(tree.rename(kRoot, kRootIno, "x", kRootIno, "empty", 0));
    CHECK(tree.getattr(kRootIno)->st_nlink == rootlinks - 1);
    // Directory over file: ENOTDIR; file over directory: EISDIR.
    REQUIRE(tree.pin(kRoot, "f", std::make_shared<Thing>()));
    CHECK(err(tree.rename(kRoot, kRootIno, "empty", kRootIno, "f", 0)) == ENOTDIR);
    CHECK(err(tree.rename(kRoot, kRootIno, "f", kRootIno, "empty", 0)) == EISDIR);
}

TEST_CASE("a directory cannot move into itself (EINVAL) or over an ancestor (ENOTEMPTY)") {
    PinTree tree(PinTreeOptions{});
    auto a = tree.mkdir(kRoot, kRootIno, "a", 0755);
    auto b = tree.mkdir(kRoot, a->st_ino, "b", 0755);
    CHECK(err(tree.rename(kRoot, kRootIno, "a", b->st_ino, "a", 0)) == EINVAL);
    CHECK(err(tree.rename(kRoot, kRootIno, "a", a->st_ino, "x", 0)) == EINVAL);
    auto c = tree.mkdir(kRoot, b->st_ino, "c", 0755);
    CHECK(err(tree.rename(kRoot, b->st_ino, "c", kRootIno, "a", 0)) == ENOTEMPTY);
    (void)c;
}

TEST_CASE("rename flags: NOREPLACE, EXCHANGE, WHITEOUT and unknown flags") {
    PinTree tree(PinTreeOptions{});
    auto one = std::make_shared<Thing>();
    auto two = std::make_shared<Thing>();
    REQUIRE(tree.pin(kRoot, "one", one));
    REQUIRE(tree.pin(kRoot, "two", two));
    CHECK(err(tree.rename(kRoot, kRootIno, "one", kRootIno, "two", kRenameNoReplace)) == EEXIST);
    REQUIRE(tree.rename(kRoot, kRootIno, "one", kRootIno, "three", kRenameNoReplace));
    REQUIRE(tree.rename(kRoot, kRootIno, "three", kRootIno, "two", kRenameExchange));
    CHECK(*tree.get(kRoot, "two", R_OK) == one);
    CHECK(*tree.get(kRoot, "three", R_OK) == two);
    CHECK(err(tree.rename(kRoot, kRootIno, "two", kRootIno, "nope", kRenameExchange)) == ENOENT);
    CHECK(err(tree.rename(kRoot, kRootIno, "two", kRootIno, "four", kRenameWhiteout)) == EINVAL);
    CHECK(err(tree.rename(kRoot, kRootIno, "two", kRootIno, "four", 0x100)) == EINVAL);
    CHECK(err(tree.rename(kRoot, kRootIno, "two", kRootIno, "four",
                          kRenameExchange | kRenameNoReplace)) == EINVAL);

    // Exchanging a directory with a file moves one ".." between parents.
    auto d = tree.mkdir(kRoot, kRootIno, "d", 0755);
    auto sub = tree.mkdir(kRoot, d->st_ino, "sub", 0755);
    REQUIRE(tree.pin(kRoot, "d/file", std::make_shared<Thing>()));
    size_t rootlinks = tree.getattr(kRootIno)->st_nlink;
    REQUIRE(tree.rename(kRoot, kRootIno, "two", d->st_ino, "sub", kRenameExchange));
    CHECK(tree.getattr(kRootIno)->st_nlink == rootlinks + 1);
    CHECK(tree.getattr(d->st_ino)->st_nlink == 2);
    CHECK(*tree.get(kRoot, "d/sub", R_OK) == one);
    CHECK(stat_of(tree, "", "two").st_ino == sub->st_ino);
}

TEST_CASE("renaming one name of an inode onto another of its names does nothing") {
    PinTree tree(PinTreeOptions{});
    REQUIRE(tree.pin(kRoot, "m", std::make_shared<Thing>()));
    Ino m = stat_of(tree, "", "m").st_ino;
    REQUIRE(tree.link(kRoot, m, kRootIno, "m2"));
    REQUIRE(tree.rename(kRoot, kRootIno, "m", kRootIno, "m2", 0));
    CHECK(tree.getattr(m)->st_nlink == 2);
    CHECK(tree.get(kRoot, "m", R_OK));
    CHECK(tree.get(kRoot, "m2", R_OK));
}
