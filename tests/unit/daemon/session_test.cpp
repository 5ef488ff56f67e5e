#include <catch2/catch.hpp>

#include <linux/bpf.h>

#include <cerrno>

#include "daemon/session.h"

using namespace bpffs;

namespace {
struct Thing : Object {
    Thing() : Object(ObjectKind::map) {}
};
}  // namespace

TEST_CASE("fds start at 3 and the lowest free number is reused first") {
    Session s(Cred{});
    auto obj = std::make_shared<Thing>();
    CHECK(s.install(obj, 0) == 3);
    CHECK(s.install(obj, 0) == 4);
    CHECK(s.install(obj, 0) == 5);
    CHECK(s.install(obj, 0) == 6);
    REQUIRE(s.close(5));
    REQUIRE(s.close(4));
    CHECK(s.install(obj, 0) == 4);
    CHECK(s.install(obj, 0) == 5);
    CHECK(s.install(obj, 0) == 7);
    CHECK(s.open_fds() == 5);
    // Closing the highest fds lets the numbering shrink back.
    REQUIRE(s.close(7));
    REQUIRE(s.close(6));
    REQUIRE(s.close(5));
    CHECK(s.install(obj, 0) == 5);
}

TEST_CASE("bad fds are EBADF; each fd keeps its flags and a reference") {
    Session s(Cred{});
    CHECK(s.get(3).error().code == EBADF);
    CHECK(s.get(-1).error().code == EBADF);
    CHECK(s.close(0).error().code == EBADF);
    std::weak_ptr<Object> weak;
    {
        auto obj = std::make_shared<Thing>();
        weak = obj;
        REQUIRE(s.install(obj, BPF_F_RDONLY) == 3);
    }
    REQUIRE(s.get(3));
    CHECK(s.get(3)->flags == BPF_F_RDONLY);
    CHECK_FALSE(weak.expired());
    REQUIRE(s.close(3));
    CHECK(weak.expired());
    CHECK(s.close(3).error().code == EBADF);
}

TEST_CASE("a session's end releases every fd") {
    std::weak_ptr<Object> weak;
    {
        Session s(Cred{});
        auto obj = std::make_shared<Thing>();
        weak = obj;
        REQUIRE(s.install(obj, 0));
        REQUIRE(s.install(obj, 0));
    }
    CHECK(weak.expired());
}

TEST_CASE("HELLO's umask keeps only permission bits") {
    Session s(Cred{});
    CHECK(s.cred().umask == 022);
    s.set_umask(077);
    CHECK(s.cred().umask == 077);
    s.set_umask(07777);
    CHECK(s.cred().umask == 0777);
}
