#include <catch2/catch.hpp>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>

#include "core/btf/btf.h"
#include "core/btf/daemon_btf.h"
#include "core/btf/kernel_types.h"
#include "tests/unit/btf/types_btf.h"

using namespace bpffs;
using namespace bpffs::btf;

namespace {

const Type &named(const Btf &btf, std::string_view name, uint32_t kind) {
    auto id = btf.find(name, kind);
    REQUIRE(id.has_value());
    return btf.type(*id);
}

}  // namespace

TEST_CASE("clang's BTF parses with every kind it contains") {
    auto raw = load_types_btf();
    auto btf = Btf::parse(raw);
    REQUIRE(btf.has_value());

    const Type &inner = named(*btf, "inner", BTF_KIND_STRUCT);
    REQUIRE(inner.members.size() == 4);
    CHECK(inner.size == 24);
    CHECK(inner.members[0].name == "a");
    CHECK(inner.members[1].name == "flag");
    CHECK(inner.members[1].bitfield_size == 1);
    CHECK(inner.members[1].bit_offset == 32);
    CHECK(inner.members[2].bitfield_size == 7);
    CHECK(inner.members[2].bit_offset == 33);
    CHECK(inner.members[3].bit_offset == 40);  // char[16] packs after the bitfields
    CHECK(btf->resolve_size(inner.members[3].type) == 16u);

    const Type &color = named(*btf, "color", BTF_KIND_ENUM);
    REQUIRE(color.enumerators.size() == 3);
    CHECK(color.enumerators[1].name == "GREEN");
    CHECK(color.enumerators[1].value == 5);
    CHECK(color.enumerators[2].value == 4294967295);  // clang 14 marks the enum unsigned

    const Type &outer = named(*btf, "outer", BTF_KIND_STRUCT);
    CHECK(outer.size == 48);
    uint32_t ptr = outer.members[0].type;
    CHECK(btf->type(ptr).kind == BTF_KIND_PTR);
    // const volatile struct inner: the modifiers resolve to the struct.
    CHECK(btf->skip_modifiers(btf->type(ptr).type) == btf->find("inner", BTF_KIND_STRUCT));
    CHECK(btf->type(btf->skip_modifiers(outer.members[1].type)).kind == BTF_KIND_UNION);
    CHECK(named(*btf, "float", BTF_KIND_FLOAT).size == 4);

    const Type &add = named(*btf, "add", BTF_KIND_FUNC);
    CHECK(add.linkage == BTF_FUNC_GLOBAL);
    const Type &proto = btf->type(add.type);
    REQUIRE(proto.params.size() == 2);
    CHECK(proto.params[0].name == "o");
    CHECK(proto.params[1].name == "x");

    const Type &bss = named(*btf, ".bss", BTF_KIND_DATASEC);
    CHECK_FALSE(bss.secinfos.empty());
    const Type &var = named(*btf, "global_outer", BTF_KIND_VAR);
    CHECK(var.linkage == BTF_VAR_GLOBAL_ALLOCATED);
    CHECK(btf->resolve_size(btf->find("global_outer", BTF_KIND_VAR).value()) == 48u);
    CHECK(named(*btf, "u64", BTF_KIND_TYPEDEF).kind == BTF_KIND_TYPEDEF);
}

TEST_CASE("malformed headers are rejected with EINVAL and a sentence") {
    auto raw = load_types_btf();
    auto broken = raw;
    broken[0] = 0;  // magic
    auto r = Btf::parse(broken);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == EINVAL);
    CHECK(r.error().message.find("magic") != std::string::npos);

    broken = raw;
    broken[2] = 2;  // version
    CHECK_FALSE(Btf::parse(broken));

    CHECK_FALSE(Btf::parse(std::span<const uint8_t>(raw.data(), 10)));
    CHECK_FALSE(Btf::parse({}));
}

TEST_CASE("every truncation and random corruption fails cleanly or parses") {
    auto raw = load_types_btf();
    for (size_t len = 0; len < raw.size(); len++) {
        auto r = Btf::parse(std::span<const uint8_t>(raw.data(), len));
        CHECK_FALSE(r.has_value());
    }
    std::mt19937 rng(42);
    for (int round = 0; round < 3000; round++) {
        auto copy = raw;
        int flips = 1 + static_cast<int>(rng() % 4);
        for (int i = 0; i < flips; i++)
            copy[rng() % copy.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
        auto r = Btf::parse(copy);
        if (r) {
            // Whatever parses must be safe to walk.
            for (uint32_t id = 1; id <= r->type_count(); id++) {
                (void)r->resolve_size(id);
                (void)r->skip_modifiers(id);
            }
        } else {
            CHECK(r.error().code != 0);
            CHECK_FALSE(r.error().message.empty());
        }
    }
}

TEST_CASE("a type that refers to itself without a pointer is rejected") {
    // Header + one TYPEDEF [1] pointing at itself; strings "\0t\0".
    std::vector<uint8_t> blob(sizeof(btf_header));
    btf_header hdr{};
    hdr.magic = BTF_MAGIC;
    hdr.version = BTF_VERSION;
    hdr.hdr_len = sizeof(btf_header);
    btf_type t{};
    t.name_off = 1;
    t.info = BTF_KIND_TYPEDEF << 24;
    t.type = 1;
    hdr.type_off = 0;
    hdr.type_len = sizeof(t);
    hdr.str_off = sizeof(t);
    hdr.str_len = 3;
    std::memcpy(blob.data(), &hdr, sizeof(hdr));
    blob.resize(sizeof(hdr) + sizeof(t));
    std::memcpy(blob.data() + sizeof(hdr), &t, sizeof(t));
    for (char c : {'\0', 't', '\0'})
        blob.push_back(static_cast<uint8_t>(c));
    auto r = Btf::parse(blob);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ELOOP);
}

namespace {

// Raw BTF of: [1] INT 'u' (size 4, int_bits), [2] PTR -> 1, [3] ARRAY of
// nelems PTRs, [4] STRUCT 's' of struct_size bytes whose one member 'a' is
// of type member at bit offset.
std::vector<uint8_t> struct_blob(uint32_t int_bits, uint32_t nelems, uint32_t struct_size,
                                 uint32_t member, uint32_t bit_offset) {
    std::vector<uint8_t> types;
    auto put = [&](const void *p, size_t n) {
        auto b = static_cast<const uint8_t *>(p);
        types.insert(types.end(), b, b + n);
    };
    btf_type t{};
    t.name_off = 1;
    t.info = BTF_KIND_INT << 24;
    t.size = 4;
    uint32_t int_info = int_bits;
    put(&t, sizeof t);
    put(&int_info, 4);
    t = {};
    t.info = BTF_KIND_PTR << 24;
    t.type = 1;
    put(&t, sizeof t);
    t = {};
    t.info = BTF_KIND_ARRAY << 24;
    btf_array a{2, 1, nelems};
    put(&t, sizeof t);
    put(&a, sizeof a);
    t = {};
    t.name_off = 3;
    t.info = (BTF_KIND_STRUCT << 24) | 1;
    t.size = struct_size;
    btf_member m{5, member, bit_offset};
    put(&t, sizeof t);
    put(&m, sizeof m);
    const char strings[] = "\0u\0s\0a";
    btf_header hdr{};
    hdr.magic = BTF_MAGIC;
    hdr.version = BTF_VERSION;
    hdr.hdr_len = sizeof(btf_header);
    hdr.type_len = uint32_t(types.size());
    hdr.str_off = hdr.type_len;
    hdr.str_len = sizeof strings;
    std::vector<uint8_t> blob(sizeof hdr + types.size() + sizeof strings);
    std::memcpy(blob.data(), &hdr, sizeof hdr);
    std::memcpy(blob.data() + sizeof hdr, types.data(), types.size());
    std::memcpy(blob.data() + sizeof hdr + types.size(), strings, sizeof strings);
    return blob;
}

int parse_errno(const std::vector<uint8_t> &blob) {
    auto r = Btf::parse(blob);
    return r ? 0 : r.error().code;
}

}  // namespace

TEST_CASE("a member must lie inside its struct, as the kernel's check_member") {
    // fuzz_btf found a 32-byte struct holding an array of 4e9 pointers,
    // which btf_show walked for seconds; the kernel refuses it at load
    // ("Member exceeds struct_size").
    CHECK(parse_errno(struct_blob(32, 2, 16, 3, 0)) == 0);
    CHECK(parse_errno(struct_blob(32, 2, 16, 3, 8)) == EINVAL);
    CHECK(parse_errno(struct_blob(32, 3, 16, 3, 0)) == EINVAL);
    CHECK(parse_errno(struct_blob(32, 2, 24, 2, 128)) == 0);  // a pointer at byte 16
    CHECK(parse_errno(struct_blob(32, 2, 20, 2, 128)) == EINVAL);
    // An INT member without kflag needs only its bits (legacy bitfields).
    CHECK(parse_errno(struct_blob(32, 2, 4, 1, 0)) == 0);
    CHECK(parse_errno(struct_blob(32, 2, 4, 1, 8)) == EINVAL);
    CHECK(parse_errno(struct_blob(3, 2, 4, 1, 24)) == 0);
    CHECK(parse_errno(struct_blob(3, 2, 4, 1, 30)) == EINVAL);
    // An array above U32_MAX bytes is refused even outside a struct.
    CHECK(parse_errno(struct_blob(32, 0x20000000, 0x7fffffff, 2, 0)) == EINVAL);
    CHECK(parse_errno(struct_blob(32, 4177526792u, 32, 2, 0)) == EINVAL);
}

TEST_CASE("the daemon's BTF describes the very layouts the daemon uses") {
    auto btf = Btf::parse(daemon_btf_raw());
    REQUIRE(btf.has_value());
    auto member_offset = [&](std::string_view type, std::string_view field) -> uint32_t {
        const Type &t = named(*btf, type, BTF_KIND_STRUCT);
        for (const Member &m : t.members)
            if (m.name == field) return m.bit_offset / 8;
        // Iterator contexts wrap each pointer in an anonymous union.
        for (const Member &m : t.members)
            if (m.name.empty())
                for (const Member &inner : btf->type(btf->skip_modifiers(m.type)).members)
                    if (inner.name == field) return m.bit_offset / 8;
        FAIL("no field " << field << " in " << type);
        return 0;
    };
    using namespace bpffs::kview;
    CHECK(member_offset("bpf_map", "name") == offsetof(bpf_map, name));
    CHECK(member_offset("bpf_map", "max_entries") == offsetof(bpf_map, max_entries));
    CHECK(member_offset("bpf_map", "frozen") == offsetof(bpf_map, frozen));
    CHECK(named(*btf, "bpf_map", BTF_KIND_STRUCT).size == sizeof(bpf_map));
    CHECK(member_offset("bpf_prog", "aux") == offsetof(bpf_prog, aux));
    CHECK(named(*btf, "bpf_prog", BTF_KIND_STRUCT).size == sizeof(bpf_prog));
    CHECK(member_offset("bpf_prog_aux", "name") == offsetof(bpf_prog_aux, name));
    CHECK(member_offset("bpf_link", "prog") == offsetof(bpf_link, prog));
    CHECK(member_offset("bpf_iter_meta", "seq_num") == offsetof(bpf_iter_meta, seq_num));
    CHECK(member_offset("bpf_iter__bpf_map_elem", "value") == 24);
    CHECK(sizeof(bpf_iter__bpf_map_elem) == 32);
    CHECK(named(*btf, "bpf_iter__bpf_map_elem", BTF_KIND_STRUCT).size == 32);
}
