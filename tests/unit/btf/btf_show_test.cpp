// core/btf/btf_show against output recorded from Linux 6.18: `cat` of
// pinned maps (the compact, nameless, zero-showing format) and
// bpf_seq_printf_btf with each flag combination. The differential tests
// diff-map-cat and diff-btf-show compare with a live kernel; these pin the
// recorded cases down without one.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <iterator>

#include "core/btf/btf.h"
#include "core/btf/btf_show.h"

extern "C" size_t show_sample(const char *name, void *out);

using namespace bpffs;
using namespace bpffs::btf;

namespace {

const Btf &types() {
    static const Btf btf = [] {
        const char *path = std::getenv("BTF_SHOW_TYPES");
        REQUIRE(path != nullptr);
        std::ifstream in(path, std::ios::binary);
        std::vector<uint8_t> raw{std::istreambuf_iterator<char>(in),
                                 std::istreambuf_iterator<char>()};
        auto parsed = Btf::parse(raw);
        REQUIRE(parsed.has_value());
        return std::move(*parsed);
    }();
    return btf;
}

uint32_t id_of(std::string_view name, uint32_t kind) {
    auto id = types().find(name, kind);
    REQUIRE(id.has_value());
    return *id;
}

// The type of member name of struct all_types (anonymous arrays).
uint32_t member_type(std::string_view name) {
    for (const Member &m : types().type(id_of("all_types", BTF_KIND_STRUCT)).members)
        if (m.name == name) return m.type;
    FAIL("no member " << name);
    return 0;
}

std::string render(uint32_t id, const char *sample, uint64_t flags) {
    alignas(16) unsigned char data[512] = {};
    REQUIRE(show_sample(sample, data) > 0);
    std::string out;
    CHECK(show_type(types(), id, data, flags, out) == 0);
    return out;
}

}  // namespace

TEST_CASE("map dumps render as the kernel's cat of a pinned map") {
    uint32_t value1 = id_of("value1", BTF_KIND_STRUCT);
    CHECK(render(value1, "value1", kShowSeqFlags) ==
          "{-1,['a','b',],578437695752307201,0x1,0x7,[3,-1,],}");
    CHECK(render(id_of("with_empty", BTF_KIND_STRUCT), "with_empty", kShowSeqFlags) ==
          "{1,{},-1,}");
    CHECK(render(id_of("flags", BTF_KIND_STRUCT), "flags", kShowSeqFlags) ==
          "{0x1,0x3,0xfff,0x1c,0xabcdef1234,}");
    // Arrays of arrays repeat their first row, without inner brackets.
    CHECK(render(member_type("l"), "grid", kShowSeqFlags) == "[1,2,],1,2,],1,2,],]");
}

TEST_CASE("bpf_seq_printf_btf flags: names, newlines, zeros") {
    uint32_t value1 = id_of("value1", BTF_KIND_STRUCT);
    CHECK(render(value1, "inner_zero", kShowCompact) == "(struct value1){.i = (int)5,}");
    CHECK(render(value1, "inner_zero", kShowCompact | kShowNoname) == "{5,}");
    CHECK(render(value1, "inner_zero", kShowCompact | kShowZero) ==
          "(struct value1){.i = (int)5,.name = (char[])[],.big = (unsigned long long)0,"
          ".f1 = (unsigned int)0x0,.f2 = (unsigned int)0x0,.arr = (int[])[0,0,],}");
    CHECK(render(value1, "inner_zero", 0) == "(struct value1){\n .i = (int)5,\n}\n");
    CHECK(render(value1, "value1", 0) ==
          "(struct value1){\n"
          " .i = (int)-1,\n"
          " .name = (char[])[\n"
          "  'a',\n"
          "  'b',\n"
          " ],\n"
          " .big = (unsigned long long)578437695752307201,\n"
          " .f1 = (unsigned int)0x1,\n"
          " .f2 = (unsigned int)0x7,\n"
          " .arr = (int[])[\n"
          "  3,\n"
          "  -1,\n"
          " ],\n"
          "}\n");
}

TEST_CASE("pointers print hashed unless raw; NULL and error values raw") {
    uint32_t ptr = 0;
    for (uint32_t id = 1; id <= types().type_count(); id++)
        if (types().type(id).kind == BTF_KIND_PTR) ptr = id;
    REQUIRE(ptr != 0);
    auto show_ptr = [&](uint64_t v, uint64_t flags) {
        std::string out;
        CHECK(show_type(types(), ptr, &v, flags, out) == 0);
        return out;
    };
    CHECK(show_ptr(0, kShowSeqFlags) == "0x0000000000000000");
    CHECK(show_ptr(uint64_t(-22), kShowSeqFlags) == "0xffffffffffffffea");
    CHECK(show_ptr(0x1234, kShowSeqFlags | kShowPtrRaw) == "0x0000000000001234");
    std::string hashed = show_ptr(0x1234, kShowSeqFlags);
    CHECK(hashed.rfind("0x00000000", 0) == 0);
    CHECK(hashed.size() == 18);
    CHECK(hashed == show_ptr(0x1234, kShowSeqFlags));  // stable
}

TEST_CASE("unreadable data stops with -EFAULT and prints nothing") {
    uint32_t value1 = id_of("value1", BTF_KIND_STRUCT);
    unsigned char data[64] = {};
    std::string out;
    auto never = [](const void *, size_t) { return false; };
    CHECK(show_type(types(), value1, data, kShowCompact, out, never) == -EFAULT);
    CHECK(out.empty());
    CHECK(show_type(types(), 100000, data, kShowCompact, out) == -EINVAL);
}
