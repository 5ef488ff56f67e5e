// The program object: SHA-1, the tag's blanking of map references, license
// checks, name checks, structural rejection, map ids and the xlated dump.
#include <catch2/catch.hpp>

#include <cstring>
#include <string>

#include "core/map.h"
#include "core/prog.h"
#include "core/sha256.h"
#include "core/vm/assembler.h"

using namespace bpffs;

namespace {

std::string hex(std::span<const uint8_t> bytes) {
    static const char digits[] = "0123456789abcdef";
    std::string s;
    for (uint8_t b : bytes) {
        s += digits[b >> 4];
        s += digits[b & 15];
    }
    return s;
}

std::vector<vm::Insn> assemble(const char *text) {
    auto insns = vm::assemble(text);
    REQUIRE(insns);
    return *insns;
}

std::shared_ptr<Map> make_array() {
    MapSpec spec;
    spec.map_type = BPF_MAP_TYPE_ARRAY;
    spec.key_size = 4;
    spec.value_size = 8;
    spec.max_entries = 4;
    spec.name = "arr";
    auto map = Map::create(spec, 1);
    REQUIRE(map);
    return publish(*map);
}

// Resolves every map fd to one map, the way the daemon resolves session fds.
vm::LoadOptions options_with(std::shared_ptr<Map> map) {
    vm::LoadOptions o;
    o.resolver = [map](const vm::PseudoImm &p) -> Result<vm::ResolvedImm> {
        vm::ResolvedImm r;
        r.hold = map;
        r.map = map.get();
        r.value = reinterpret_cast<uintptr_t>(map.get());
        (void)p;
        return r;
    };
    return o;
}

}  // namespace

TEST_CASE("sha256 matches the FIPS 180 examples") {
    const std::string abc = "abc";
    CHECK(hex(sha256({reinterpret_cast<const uint8_t *>(abc.data()), abc.size()})) ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(hex(sha256({})) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    // 56 bytes force the length into a second block.
    const std::string two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    CHECK(hex(sha256({reinterpret_cast<const uint8_t *>(two.data()), two.size()})) ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST_CASE("the tag does not depend on the fd in a map reference") {
    auto a = assemble("ld_map_fd %r1, 3\nmov %r0, 0\nexit");
    auto b = assemble("ld_map_fd %r1, 7\nmov %r0, 0\nexit");
    auto c = assemble("lddw %r1, 3\nmov %r0, 0\nexit");
    auto d = assemble("lddw %r1, 7\nmov %r0, 0\nexit");
    CHECK(Prog::compute_tag(a) == Prog::compute_tag(b));
    // Plain 64-bit constants are part of the program.
    CHECK(Prog::compute_tag(c) != Prog::compute_tag(d));
}

TEST_CASE("GPL-compatible licenses are the kernel's list") {
    CHECK(Prog::license_is_gpl_compatible("GPL"));
    CHECK(Prog::license_is_gpl_compatible("Dual BSD/GPL"));
    CHECK_FALSE(Prog::license_is_gpl_compatible("MIT"));
    CHECK_FALSE(Prog::license_is_gpl_compatible("gpl"));
}

TEST_CASE("Prog::create accepts a valid program and fills the view") {
    ProgSpec spec;
    spec.prog_type = BPF_PROG_TYPE_TRACING;
    spec.expected_attach_type = BPF_TRACE_ITER;
    spec.name = "dump_it";
    spec.attach_target = "bpf_map";
    spec.license = "GPL";
    auto prog = Prog::create(spec, assemble("mov %r0, 0\nexit"), {});
    REQUIRE(prog);
    publish(*prog);
    const auto *v = (*prog)->view();
    CHECK(v->len == 2);
    CHECK(v->gpl_compatible == 1);
    CHECK(v->aux->id == (*prog)->id());
    CHECK(std::string(v->aux->name) == "dump_it");
    CHECK(std::string(v->aux->attach_func_name) == "bpf_map");
    CHECK(std::memcmp(v->tag, (*prog)->tag().data(), 8) == 0);
    CHECK((*prog)->load_time_ns() > 0);
}

TEST_CASE("Prog::create refuses structural errors, bad names and GPL-only calls") {
    ProgSpec spec;
    spec.license = "GPL";
    SECTION("jump outside the program") {
        auto prog = Prog::create(spec, assemble("ja +5\nexit"), {});
        REQUIRE_FALSE(prog);
        CHECK(prog.error().code == EINVAL);
    }
    SECTION("no exit at the end") {
        auto prog = Prog::create(spec, assemble("mov %r0, 0"), {});
        REQUIRE_FALSE(prog);
        CHECK(prog.error().code == EINVAL);
    }
    SECTION("map reference without a resolver") {
        auto prog = Prog::create(spec, assemble("ld_map_fd %r1, 3\nmov %r0, 0\nexit"), {});
        REQUIRE_FALSE(prog);
    }
    SECTION("a name with a dash") {
        spec.name = "bad-name";
        auto prog = Prog::create(spec, assemble("mov %r0, 0\nexit"), {});
        REQUIRE_FALSE(prog);
        CHECK(prog.error().code == EINVAL);
    }
    SECTION("a name of 16 characters") {
        spec.name = "abcdefghijklmnop";
        CHECK_FALSE(Prog::create(spec, assemble("mov %r0, 0\nexit"), {}));
    }
    SECTION("trace_printk with a non-GPL license") {
        spec.license = "Proprietary";
        auto prog = Prog::create(spec, assemble("call 6\nmov %r0, 0\nexit"), {});
        REQUIRE_FALSE(prog);
        CHECK(prog.error().message.find("GPL") != std::string::npos);
    }
    SECTION("bpf_seq_printf_btf (150) with a non-GPL license") {
        spec.license = "Proprietary";
        auto prog = Prog::create(spec, assemble("call 150\nmov %r0, 0\nexit"), {});
        REQUIRE_FALSE(prog);
        CHECK(prog.error().code == EINVAL);
        CHECK(prog.error().message.find("bpf_seq_printf_btf: cannot call GPL-restricted") !=
              std::string::npos);
    }
    SECTION("helper 128 (bpf_tcp_send_ack, not GPL-only) with a non-GPL license") {
        spec.license = "Proprietary";
        auto prog = Prog::create(spec, assemble("call 128\nmov %r0, 0\nexit"), {});
        CHECK((prog || prog.error().message.find("GPL") == std::string::npos));
    }
}

TEST_CASE("map ids and the xlated dump name the map by id") {
    auto map = make_array();
    ProgSpec spec;
    spec.license = "GPL";
    auto prog = Prog::create(
        spec,
        assemble("ld_map_fd %r1, 3\nld_map_value %r2, 3, 4\nld_map_fd %r3, 3\nmov %r0, 0\nexit"),
        options_with(map));
    REQUIRE(prog);
    CHECK((*prog)->map_ids() == std::vector<uint32_t>{map->id()});
    auto dump = (*prog)->xlated_for_dump();
    REQUIRE(dump.size() == 8);
    CHECK(dump[0].imm == static_cast<int32_t>(map->id()));
    CHECK(dump[1].imm == 0);
    CHECK(dump[2].imm == static_cast<int32_t>(map->id()));
    CHECK(dump[3].imm == 4);
    CHECK(dump[2].src == vm::op::kPseudoMapValue);
    // The program holds the map: dropping our reference keeps it alive.
    uint32_t id = map->id();
    map.reset();
    CHECK(Registries::global().of(ObjectKind::map).get(id) != nullptr);
}
