// core/btf/btf_dump_c: BTF as C. Expected texts were printed by bpftool 7.1
// (`btf dump file X format c`, between its guards) for the same BTF; the
// differential test tests/diff/btf_c.sh compares whole files against it.
#include <catch2/catch.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "core/btf/btf.h"
#include "core/btf/btf_dump_c.h"
#include "core/btf/btf_layout.h"
#include "core/btf/daemon_btf.h"
#include "tests/unit/btf/types_btf.h"

using namespace bpffs;
using namespace bpffs::btf;

namespace {

// Raw BTF built type by type; ids are returned in order from 1.
class Builder {
  public:
    uint32_t add(std::string_view name, uint32_t kind, uint32_t vlen, bool kflag,
                 uint32_t size_or_type, std::initializer_list<uint32_t> extra = {}) {
        words_.push_back(str(name));
        words_.push_back(kind << 24 | vlen | (kflag ? 1u << 31 : 0));
        words_.push_back(size_or_type);
        words_.insert(words_.end(), extra);
        return ++count_;
    }
    uint32_t integer(std::string_view name, uint32_t size, uint32_t encoding = BTF_INT_SIGNED) {
        return add(name, BTF_KIND_INT, 0, false, size, {encoding << 24 | size * 8});
    }
    uint32_t ref(uint32_t kind, uint32_t target, std::string_view name = "") {
        return add(name, kind, 0, false, target);
    }
    // members: {name, type, bit offset}
    uint32_t composite(uint32_t kind, std::string_view name, uint32_t size,
                       std::vector<std::tuple<std::string_view, uint32_t, uint32_t>> members) {
        uint32_t id = add(name, kind, static_cast<uint32_t>(members.size()), false, size);
        for (auto &[mname, type, off] : members) {
            words_.push_back(str(mname));
            words_.push_back(type);
            words_.push_back(off);
        }
        return id;
    }
    Btf parse() {
        std::vector<uint8_t> blob(sizeof(btf_header));
        btf_header hdr{};
        hdr.magic = BTF_MAGIC;
        hdr.version = BTF_VERSION;
        hdr.hdr_len = sizeof(btf_header);
        hdr.type_len = static_cast<uint32_t>(words_.size() * 4);
        hdr.str_off = hdr.type_len;
        hdr.str_len = static_cast<uint32_t>(strings_.size());
        std::memcpy(blob.data(), &hdr, sizeof hdr);
        const auto *w = reinterpret_cast<const uint8_t *>(words_.data());
        blob.insert(blob.end(), w, w + words_.size() * 4);
        blob.insert(blob.end(), strings_.begin(), strings_.end());
        auto btf = Btf::parse(blob);
        REQUIRE(btf.has_value());
        return std::move(*btf);
    }

  private:
    uint32_t str(std::string_view s) {
        if (s.empty()) return 0;
        uint32_t off = static_cast<uint32_t>(strings_.size());
        strings_.insert(strings_.end(), s.begin(), s.end());
        strings_.push_back('\0');
        return off;
    }
    std::vector<uint32_t> words_;
    std::string strings_{'\0'};
    uint32_t count_ = 0;
};

// Every type in id order, as bpftool's `format c` walks them.
std::string dump_all(const Btf &btf, Status *status = nullptr, uint32_t ptr_size = 8) {
    std::string out;
    CDumper dumper(btf, ptr_size, out);
    Status st;
    for (uint32_t id = 1; id <= btf.type_count() && st; id++)
        st = dumper.dump_type(id);
    if (status) *status = st;
    return out;
}

// A corrupted size makes a struct gigabytes long: its padding is printed
// in full, as libbpf prints it, which takes long.
bool has_huge_struct(const Btf &btf) {
    for (uint32_t id = 1; id <= btf.type_count(); id++) {
        const Type &t = btf.type(id);
        if ((t.kind == BTF_KIND_STRUCT || t.kind == BTF_KIND_UNION) && t.size > 4096) return true;
    }
    return false;
}

}  // namespace

TEST_CASE("clang's BTF prints as bpftool prints it") {
    auto btf = Btf::parse(load_types_btf());
    REQUIRE(btf.has_value());
    Status st;
    std::string c = dump_all(*btf, &st);
    REQUIRE(st);
    CHECK(c ==
          "typedef unsigned long long u64;\n\n"
          "typedef unsigned int u32;\n\n"
          "struct inner {\n\tu32 a;\n\tunsigned int flag: 1;\n\tunsigned int bits: 7;\n"
          "\tchar name[16];\n};\n\n"
          "union either {\n\tu64 big;\n\tstruct inner in;\n};\n\n"
          "enum color {\n\tRED = 0,\n\tGREEN = 5,\n\tBLUE = 4294967295,\n};\n\n"
          "struct outer {\n\tvolatile const struct inner *ptr;\n\tunion either u;\n"
          "\tenum color c;\n\tfloat f;\n\tint (*fn)(int, char);\n};\n\n");
}

TEST_CASE("dependencies come first, cycles through pointers get a forward declaration") {
    Builder b;
    uint32_t i32 = b.integer("int", 4);                                           // 1
    b.composite(BTF_KIND_STRUCT, "node", 16, {{"next", 3, 0}, {"peer", 4, 64}});  // 2
    b.ref(BTF_KIND_PTR, 2);                                                       // 3
    b.ref(BTF_KIND_PTR, 5);                                                       // 4
    b.composite(BTF_KIND_STRUCT, "peer", 4, {{"v", i32, 0}});                     // 5
    std::string c = dump_all(b.parse());
    CHECK(c ==
          "struct peer;\n\n"
          "struct node {\n\tstruct node *next;\n\tstruct peer *peer;\n};\n\n"
          "struct peer {\n\tint v;\n};\n\n");
}

TEST_CASE("padding, packing and duplicate names follow libbpf") {
    Builder b;
    uint32_t ch = b.integer("char", 1);
    uint32_t i32 = b.integer("int", 4);
    uint32_t i64 = b.integer("long", 8);
    b.composite(BTF_KIND_STRUCT, "packed", 5, {{"c", ch, 0}, {"i", i32, 8}});
    b.composite(BTF_KIND_STRUCT, "gap", 32, {{"c", ch, 0}, {"l", i64, 128}});
    b.composite(BTF_KIND_STRUCT, "gap", 1, {{"c", ch, 0}});
    b.composite(BTF_KIND_STRUCT, "empty", 0, {});
    std::string c = dump_all(b.parse());
    CHECK(c ==
          "struct packed {\n\tchar c;\n\tint i;\n} __attribute__((packed));\n\n"
          "struct gap {\n\tchar c;\n\tlong: 64;\n\tlong l;\n\tlong: 64;\n};\n\n"
          "struct gap___2 {\n\tchar c;\n};\n\n"
          "struct empty {};\n\n");
}

TEST_CASE("libbpf's pointer size: an ELF's, else the size of long") {
    Builder b;
    b.integer("long int", 4);
    CHECK(Layout::guess_pointer_size(b.parse()) == 4);
    Builder none;
    none.integer("int", 4);
    CHECK(Layout::guess_pointer_size(none.parse()) == sizeof(void *));
}

TEST_CASE("a struct that embeds itself is ELOOP, with libbpf's warning") {
    Builder b;
    b.integer("int", 4);
    b.composite(BTF_KIND_STRUCT, "a", 8, {{"b", 3, 0}});
    b.composite(BTF_KIND_STRUCT, "b", 8, {{"a", 2, 0}});
    Btf btf = b.parse();
    std::string out;
    CDumper dumper(btf, 8, out);
    CHECK(dumper.dump_type(1));
    auto st = dumper.dump_type(2);
    REQUIRE_FALSE(st);
    CHECK(st.error().code == ELOOP);
    REQUIRE(dumper.warnings().size() == 1);
    CHECK(dumper.warnings()[0] == "unsatisfiable type cycle, id:[2]");
    CHECK(out.empty());
}

TEST_CASE("cycles C cannot spell fail with ELOOP instead of exhausting the stack") {
    // A pointer to itself (libbpf recurses until it crashes).
    Builder self;
    self.ref(BTF_KIND_PTR, 1);
    self.ref(BTF_KIND_TYPEDEF, 1, "loop_t");
    Btf self_btf = self.parse();
    Status st;
    dump_all(self_btf, &st);
    REQUIRE_FALSE(st);
    CHECK(st.error().code == ELOOP);

    // A function prototype taking a pointer to itself.
    Builder proto;
    proto.add("", BTF_KIND_FUNC_PROTO, 1, false, 0, {0, 2});
    proto.ref(BTF_KIND_PTR, 1);
    dump_all(proto.parse(), &st);
    REQUIRE_FALSE(st);
    CHECK(st.error().code == ELOOP);
}

TEST_CASE("an id past the last type is EINVAL") {
    Builder b;
    b.integer("int", 4);
    Btf btf = b.parse();
    std::string out;
    CDumper dumper(btf, 8, out);
    auto st = dumper.dump_type(2);
    REQUIRE_FALSE(st);
    CHECK(st.error().code == EINVAL);
}

TEST_CASE("the daemon's BTF prints the kernel's enums and object views") {
    auto btf = Btf::parse(daemon_btf_raw());
    REQUIRE(btf.has_value());
    Status st;
    std::string c = dump_all(*btf, &st);
    REQUIRE(st);
    CHECK(c.find("enum bpf_map_type {\n\tBPF_MAP_TYPE_UNSPEC = 0,\n\tBPF_MAP_TYPE_HASH = 1,") !=
          std::string::npos);
    CHECK(c.find("\tenum bpf_map_type map_type;\n") != std::string::npos);
    CHECK(c.find("\tenum bpf_prog_type type;\n\tenum bpf_attach_type expected_attach_type;\n") !=
          std::string::npos);
    CHECK(c.find("\tenum bpf_link_type type;\n") != std::string::npos);
    CHECK(c.find("BPF_LINK_TYPE_ITER = 4,") != std::string::npos);
    for (const char *td : {"__s32", "__s64", "__be16", "__be32", "__wsum"})
        CHECK(c.find(std::string(" ") + td + ";\n") != std::string::npos);
}

TEST_CASE("whatever corrupted BTF parses dumps without crashing") {
    auto raw = load_types_btf();
    std::mt19937 rng(7);
    int parsed = 0;
    for (int round = 0; round < 3000; round++) {
        auto copy = raw;
        int flips = 1 + static_cast<int>(rng() % 4);
        for (int i = 0; i < flips; i++)
            copy[rng() % copy.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
        auto btf = Btf::parse(copy);
        if (!btf || has_huge_struct(*btf)) continue;
        parsed++;
        Status st;
        dump_all(*btf, &st);
        if (!st) CHECK_FALSE(st.error().message.empty());
    }
    CHECK(parsed > 0);
}
