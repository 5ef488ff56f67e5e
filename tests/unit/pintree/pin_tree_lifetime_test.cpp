// When the reference of a pin is released (spec 4.10): last name gone and
// no FUSE lookup or open file left.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "tests/unit/pintree/tree_fixture.h"

using namespace bpffs;
using namespace bpffs::test;

TEST_CASE("a pinned object lives while any name, lookup or open file refers to it") {
    PinTree tree(PinTreeOptions{});
    auto obj = std::make_shared<Thing>();
    std::weak_ptr<Thing> watch = obj;
    REQUIRE(tree.pin(kRoot, "a", obj));
    obj.reset();
    auto st = tree.lookup(kRoot, kRootIno, "a");  // the kernel now knows the inode
    REQUIRE(st);
    Ino ino = st->st_ino;
    REQUIRE(tree.link(kRoot, ino, kRootIno, "b"));  // +1 lookup
    size_t before = tree.inode_count();

    REQUIRE(tree.unlink(kRoot, kRootIno, "a"));
    CHECK_FALSE(watch.expired());
    auto opened = tree.open(kRoot, ino, O_RDONLY);
    REQUIRE(opened);
    opened->object.reset();
    REQUIRE(tree.unlink(kRoot, kRootIno, "b"));
    CHECK(tree.getattr(ino)->st_nlink == 0);
    CHECK_FALSE(watch.expired());  // lookups and the open file hold it
    tree.forget(ino, 2);
    CHECK_FALSE(watch.expired());  // the open file still does
    CHECK(tree.getattr(ino));
    tree.release(ino);
    CHECK(watch.expired());
    CHECK(err(tree.getattr(ino)) == ENOENT);
    CHECK(tree.inode_count() == before - 1);
}

TEST_CASE("forget of a named inode keeps it; forget_all frees unnamed ones") {
    PinTree tree(PinTreeOptions{});
    auto obj = std::make_shared<Thing>();
    std::weak_ptr<Thing> watch = obj;
    REQUIRE(tree.pin(kRoot, "a", obj));
    obj.reset();
    Ino ino = tree.lookup(kRoot, kRootIno, "a")->st_ino;
    tree.forget(ino, 1);
    CHECK(tree.getattr(ino));
    CHECK_FALSE(watch.expired());
    REQUIRE(tree.lookup(kRoot, kRootIno, "a"));
    REQUIRE(tree.lookup(kRoot, kRootIno, "a"));
    REQUIRE(tree.unlink(kRoot, kRootIno, "a"));
    CHECK_FALSE(watch.expired());
    tree.forget_all();  // unmount: the kernel forgets everything at once
    CHECK(watch.expired());
    CHECK(tree.getattr(kRootIno));  // the root always stays
}

TEST_CASE("readdirplus-style lookups count only entries still named as listed") {
    PinTree tree(PinTreeOptions{});
    REQUIRE(tree.pin(kRoot, "a", std::make_shared<Thing>()));
    auto entries = tree.list(kRootIno);
    REQUIRE(entries->size() == 3);
    Ino a = (*entries)[2].ino;
    auto st = tree.lookup_listed(kRootIno, "a", a);
    REQUIRE(st);
    CHECK(st->st_ino == a);
    REQUIRE(tree.unlink(kRoot, kRootIno, "a"));
    CHECK(tree.getattr(a));  // the listed lookup holds it
    CHECK_FALSE(tree.lookup_listed(kRootIno, "a", a).has_value());
    tree.forget(a, 1);
    CHECK(err(tree.getattr(a)) == ENOENT);
}

TEST_CASE("removed directories stay open but accept no new entries") {
    PinTree tree(PinTreeOptions{});
    auto d = tree.mkdir(kRoot, kRootIno, "d", 0755);  // +1 lookup
    REQUIRE(tree.open(kRoot, d->st_ino, O_RDONLY));
    REQUIRE(tree.rmdir(kRoot, kRootIno, "d"));
    CHECK(tree.getattr(d->st_ino)->st_nlink == 0);
    CHECK(err(tree.mkdir(kRoot, d->st_ino, "x", 0755)) == ENOENT);
    CHECK(tree.list(d->st_ino)->size() == 2);
    tree.release(d->st_ino);
    tree.forget(d->st_ino, 1);
    CHECK(err(tree.getattr(d->st_ino)) == ENOENT);
}

TEST_CASE("the object is released outside the tree's lock: its destructor may use the tree") {
    PinTree tree(PinTreeOptions{});
    struct Reentrant : Object {
        PinTree &tree;
        bool *ran;
        Reentrant(PinTree &t, bool *r) : Object(ObjectKind::link), tree(t), ran(r) {}
        ~Reentrant() override { *ran = tree.getattr(kRootIno).has_value(); }
    };
    bool ran = false;
    REQUIRE(tree.pin(kRoot, "r", std::make_shared<Reentrant>(tree, &ran)));
    REQUIRE(tree.unlink(kRoot, kRootIno, "r"));
    CHECK(ran);
}

TEST_CASE("concurrent pins, gets and unlinks keep the tree consistent") {
    PinTree tree(PinTreeOptions{});
    auto obj = std::make_shared<Thing>();
    // Catch2 assertions are not thread-safe: the workers count failures.
    std::atomic<int> failures{0};
    auto worker = [&](int id) {
        for (int i = 0; i < 200; i++) {
            std::string name = "t" + std::to_string(id) + "_" + std::to_string(i);
            if (!tree.pin(kRoot, name, obj)) failures++;
            if (!tree.get(kRoot, name, R_OK)) failures++;
            if (!tree.unlink(kRoot, kRootIno, name)) failures++;
        }
    };
    std::thread a(worker, 1), b(worker, 2);
    a.join();
    b.join();
    CHECK(failures == 0);
    CHECK(tree.inode_count() == 1);
    CHECK(obj.use_count() == 1);
}
