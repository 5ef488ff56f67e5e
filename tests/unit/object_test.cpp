#include <catch2/catch.hpp>

#include "core/object.h"

using namespace bpffs;

namespace {
struct Thing : Object {
    Thing() : Object(ObjectKind::map) {}
};
}  // namespace

TEST_CASE("ids start at 1, grow cyclically and are released with the object") {
    IdRegistry reg;
    auto a = std::make_shared<Thing>();
    auto b = std::make_shared<Thing>();
    reg.publish(a);
    reg.publish(b);
    CHECK(a->id() == 1);
    CHECK(b->id() == 2);
    CHECK(reg.get(1) == a);
    CHECK(reg.next_id(0) == 1u);
    CHECK(reg.next_id(1) == 2u);
    CHECK_FALSE(reg.next_id(2).has_value());
    a.reset();
    CHECK(reg.get(1) == nullptr);
    CHECK(reg.next_id(0) == 2u);
    auto c = std::make_shared<Thing>();
    reg.publish(c);
    CHECK(c->id() == 3);  // freed ids are not reused at once
    CHECK(reg.snapshot().size() == 2);
}
