// The bpf_map and bpf_link targets, the seq_printf format rules, and the
// open handler of pinned iterator links.
#include <cstdio>
#include <string>

#include "core/btf/kernel_types.h"
#include "fs/open_handler.h"
#include "iter/iter_open_handler.h"
#include "iter/seq_format.h"
#include "tests/unit/iter/bpf_fixture.h"

using namespace itest;

namespace {

std::string map_line(const Map &m) {
    char line[64];
    std::snprintf(line, sizeof line, "%4u %-16s%6d\n", m.id(), m.name().c_str(),
                  int(m.max_entries()));
    return line;
}

}  // namespace

TEST_CASE("list_maps prints the maps.debug format over every live map, by id") {
    auto a = make_map(BPF_MAP_TYPE_HASH, 11, "first");
    auto b = make_map(BPF_MAP_TYPE_ARRAY, 222, "second_map_name");
    auto link = make_link("list_maps");
    auto r = read_link(*link);
    REQUIRE(r.error == 0);
    CHECK(r.text.rfind("  id name             max_entries\n", 0) == 0);
    const size_t pa = r.text.find(map_line(*a));
    const size_t pb = r.text.find(map_line(*b));
    CHECK(pa != std::string::npos);
    CHECK(pb != std::string::npos);
    CHECK(pa < pb);
    // Every live map appears: count lines against the registry.
    size_t lines = std::count(r.text.begin(), r.text.end(), '\n');
    CHECK(lines == 1 + Registries::global().of(ObjectKind::map).snapshot().size());

    SECTION("a map freed before the next read is not shown") {
        const uint32_t gone = b->id();
        b.reset();
        auto again = read_link(*link);
        char idcol[16];
        std::snprintf(idcol, sizeof idcol, "\n%4u ", gone);
        CHECK(again.text.find(idcol) == std::string::npos);
    }
}

TEST_CASE("list_progs prints every loaded program with its attach target") {
    auto r = read_link(*make_link("list_progs"));
    REQUIRE(r.error == 0);
    CHECK(r.text.rfind("  id name             attached\n", 0) == 0);
    for (const auto &p : progs().programs) {
        char line[96];
        std::snprintf(line, sizeof line, "%4u %-16s %s\n", p.prog->id(), p.prog->name().c_str(),
                      p.target.c_str());
        CHECK(r.text.find(line) != std::string::npos);
    }
}

TEST_CASE("the bpf_link target walks links by id") {
    auto link = make_link("list_maps");
    // No program in iter_progs prints links; a C++ program checks the views.
    std::vector<std::pair<uint32_t, uint32_t>> seen;
    struct Collect : IterProgram {
        std::vector<std::pair<uint32_t, uint32_t>> &seen;
        explicit Collect(std::vector<std::pair<uint32_t, uint32_t>> &s) : seen(s) {}
        uint64_t run(const void *ctx) override {
            auto *c = static_cast<const bpffs::kview::bpf_iter__bpf_link *>(ctx);
            if (c->link != nullptr) seen.emplace_back(c->link->id, c->link->type);
            return 0;
        }
    };
    auto walker = IterLink::create("bpf_link", nullptr, std::make_shared<Collect>(seen), {});
    REQUIRE(walker);
    auto s = (*walker)->open_session();
    REQUIRE(s);
    REQUIRE(read_all(**s).error == 0);
    bool found = false;
    for (auto &[id, type] : seen)
        found |= id == link->id() && type == BPF_LINK_TYPE_ITER;
    CHECK(found);
    CHECK(std::is_sorted(seen.begin(), seen.end()));
}

TEST_CASE("open of a pinned link: iterator links start a session per open, others EIO") {
    auto map = make_map(BPF_MAP_TYPE_ARRAY, 2);
    IterAux aux;
    aux.map = map;
    auto link = make_link("print_elem", aux);
    IterOpenHandler handler;
    auto f1 = handler.open(link, Cred{}, O_RDONLY);
    auto f2 = handler.open(link, Cred{}, O_RDONLY);
    REQUIRE(f1);
    REQUIRE(f2);
    char buf[256];
    auto n1 = (*f1)->read(buf, sizeof buf, 12345);  // the offset is ignored
    REQUIRE(n1);
    CHECK(std::string(buf, *n1) == "0 0\n1 0\ndone 1\n");
    CHECK_FALSE((*f1)->seekable());
    auto n2 = (*f2)->read(buf, sizeof buf, 0);
    REQUIRE(n2);
    CHECK(*n2 == *n1);
    auto not_link = handler.open(map, Cred{}, O_RDONLY);
    REQUIRE_FALSE(not_link);
    CHECK(not_link.error().code == EIO);
}

namespace {

Result<std::string> fmt(const char *f, std::vector<uint64_t> args) {
    SeqFormatMemory memory;
    memory.read_string = [](uint64_t addr, size_t max, std::string &out) {
        if (addr == 0) return false;
        out.assign(reinterpret_cast<const char *>(addr),
                   strnlen(reinterpret_cast<const char *>(addr), max - 1));
        return true;
    };
    memory.read_bytes = [](uint64_t addr, void *out, size_t len) {
        if (addr == 0) return false;
        std::memcpy(out, reinterpret_cast<const void *>(addr), len);
        return true;
    };
    return format_seq_printf(f, args, memory);
}

uint64_t ptr(const void *p) {
    return reinterpret_cast<uintptr_t>(p);
}

}  // namespace

TEST_CASE("seq_printf formats as the kernel's bprintf") {
    CHECK(fmt("%d %i %u %x %X", {uint64_t(-1), 5, uint64_t(-1), 255, 255}).value() ==
          "-1 5 4294967295 ff FF");
    CHECK(fmt("%ld %lu %llx %lld", {uint64_t(-2), uint64_t(-2), 0xabcdef12345ull, 7}).value() ==
          "-2 18446744073709551614 abcdef12345 7");
    CHECK(fmt("%5d|%-5u|%05x|%+d", {42, 7, 255, 3}).value() == "   42|7    |000ff|+3");
    // The extremes of the plain conversions (written without snprintf).
    CHECK(fmt("%d %u %x %i", {0x80000000, 0, 0, 0xffffffff7fffffffull}).value() ==
          "-2147483648 0 0 2147483647");
    CHECK(fmt("%lld %llu %llx", {0x8000000000000000ull, uint64_t(-1), uint64_t(-1)}).value() ==
          "-9223372036854775808 18446744073709551615 ffffffffffffffff");
    CHECK(fmt("%c%c 100%%", {'o', 'k'}).value() == "ok 100%");
    const char *name = "bpffs";
    CHECK(fmt("[%s] [%-8s] [%8s]", {ptr(name), ptr(name), ptr(name)}).value() ==
          "[bpffs] [bpffs   ] [   bpffs]");
    CHECK(fmt("%s.", {0}).value() == ".");  // unreadable strings print as nothing
    CHECK(fmt("%pks %pus", {ptr(name), ptr(name)}).value() == "bpffs bpffs");
    const uint8_t ip4[4] = {10, 0, 2, 15};
    CHECK(fmt("%pI4 %pi4", {ptr(ip4), ptr(ip4)}).value() == "10.0.2.15 010.000.002.015");
    uint8_t ip6[16] = {0x20, 0x01, 0x0d, 0xb8};
    ip6[15] = 1;
    CHECK(fmt("%pI6", {ptr(ip6)}).value() == "2001:0db8:0000:0000:0000:0000:0000:0001");
    CHECK(fmt("%pi6", {ptr(ip6)}).value() == "20010db8000000000000000000000001");
    CHECK(fmt("%px", {0x1234}).value() == "0000000000001234");
}

TEST_CASE("seq_printf refuses what the kernel refuses") {
    const char *s = "x";
    for (const char *bad : {"%hd", "%hhu", "%f", "%lf", "%n", "%sx", "%pZ", "%pI5", "%lc", "%"}) {
        auto r = fmt(bad, {ptr(s)});
        CHECK_FALSE(r);
        if (!r) CHECK(r.error().code == EINVAL);
    }
    CHECK_FALSE(fmt("%d %d", {1}));           // more conversions than arguments
    CHECK(fmt("%d", {1, 2}).value() == "1");  // more arguments than conversions is fine
    CHECK_FALSE(fmt("tab\x01", {}));          // not printable
    CHECK(fmt("tab\t\n", {}).value() == "tab\t\n");
    std::string longstr(1000, 'a');
    auto spill = fmt("%s %s", {ptr(longstr.c_str()), ptr(longstr.c_str())});
    CHECK_FALSE(spill);
    if (!spill) CHECK(spill.error().code == ENOSPC);
}

TEST_CASE("seq_printf_btf renders with the daemon's BTF, as the kernel with vmlinux's") {
    auto map = make_map(BPF_MAP_TYPE_HASH, 2, "btfmap");
    auto link = make_link("print_btf");
    auto r = read_link(*link);
    REQUIRE(r.error == 0);
    // Zero members are left out without BTF_F_ZERO; the typedef names show.
    std::string expected = "(struct bpf_map){.id = (__u32)" + std::to_string(map->id()) +
                           ",.map_type = (enum bpf_map_type)BPF_MAP_TYPE_HASH,.key_size = "
                           "(__u32)4,.value_size = (__u32)8,"
                           ".max_entries = (__u32)2,.name = (char[])['b','t','f','m','a','p',],}"
                           " -14 -22\n";
    CHECK(r.text.find(expected) != std::string::npos);
}
