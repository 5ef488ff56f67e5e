// bpf_trace_printk formatting and the map helpers over a real core/map.h map.
#include <linux/bpf.h>

#include <cerrno>
#include <cstring>

#include "core/map.h"
#include "core/vm/trace_printk.h"
#include "vm_test_util.h"

using namespace vmtest;

namespace {
std::string printf_of(const std::string &fmt, std::vector<uint64_t> args) {
    StringReader reader = [](uint64_t addr, std::string &s) {
        s = reinterpret_cast<const char *>(addr);
        return true;
    };
    auto r = format_bpf_printf(fmt, args.data(), int(args.size()), 3, reader);
    if (!r) return "ERR:" + r.error().message;
    return *r;
}
}  // namespace

TEST_CASE("printf conversions follow the kernel's rules") {
    CHECK(printf_of("%d %u %x", {uint64_t(-5), uint64_t(-5), 255}) == "-5 4294967291 ff");
    CHECK(printf_of("%lld %llu %llx", {uint64_t(-5), uint64_t(-5), 0x1ffffffffull}) ==
          "-5 18446744073709551611 1ffffffff");
    CHECK(printf_of("%ld|%5d|%-3u", {uint64_t(-1), 42, 7}) == "-1|   42|7  ");
    CHECK(printf_of("%08x|%hd|%hhu", {0xbeef, 0x18000, 0x1ff}) == "0000beef|-32768|255");
    CHECK(printf_of("%c%c %%", {'o', 'k'}) == "ok %");
    const char *hello = "hello";
    CHECK(printf_of("%s!", {reinterpret_cast<uint64_t>(hello)}) == "hello!");
    CHECK(printf_of("%p", {0x1234}) == "0000000000001234");
    CHECK(printf_of("%d", {uint64_t(0x100000005)}) == "5");  // %d reads an int
    CHECK_THAT(printf_of("%d %d %d %d", {1, 2, 3, 4}), Catch::StartsWith("ERR:"));
    CHECK_THAT(printf_of("%f", {1}), Catch::StartsWith("ERR:"));
    CHECK_THAT(printf_of("%", {}), Catch::StartsWith("ERR:"));
}

TEST_CASE("bpf_trace_printk formats from program memory into the sink") {
    // "v=%d\n" built on the stack, then trace_printk(fmt, 6, 42).
    Program prog = load_asm(
        "lddw %r1, 0x0a64253d76\nstxdw [%r10-8], %r1\n"
        "mov %r1, %r10\nadd %r1, -8\nmov %r2, 6\nmov %r3, 42\ncall 6\nexit");
    RunContext ctx;
    std::string seen;
    ctx.trace_sink = [&](std::string_view s) { seen += s; };
    CHECK(Interpreter::instance().run(prog, ctx, {}).value() == 5);
    CHECK(seen == "v=42\n");
    // A format pointer outside the program's memory ends a checked run.
    Program wild = load_asm("mov %r1, 64\nmov %r2, 6\ncall 6\nexit");
    auto r = Interpreter::instance().run(wild, ctx, {});
    REQUIRE_FALSE(r);
    CHECK(r.error().code == EFAULT);
}

namespace {
struct MapFixture {
    std::shared_ptr<Map> map;
    LoadOptions opts;
    MapFixture() {
        MapSpec spec;
        spec.map_type = BPF_MAP_TYPE_HASH;
        spec.key_size = 4;
        spec.value_size = 8;
        spec.max_entries = 16;
        spec.name = "vm_test";
        auto m = Map::create(spec, 1);
        REQUIRE(m);
        map = *m;
        opts.resolver = [this](const PseudoImm &p) -> Result<ResolvedImm> {
            if (p.src != op::kPseudoMapFd || p.imm != 3) return fail(EBADF, "bad fd");
            ResolvedImm r;
            r.value = reinterpret_cast<uint64_t>(map.get());
            r.map = map.get();
            r.hold = map;
            return r;
        };
    }
};
}  // namespace

TEST_CASE("map helpers update, look up (and write through) and delete") {
    MapFixture f;
    // update(key 7, value 1234); v = lookup(7); *v += 1; return *v
    Program prog = load_asm(
        "stw [%r10-4], 7\nstdw [%r10-16], 1234\n"
        "ld_map_fd %r1, 3\nmov %r2, %r10\nadd %r2, -4\nmov %r3, %r10\nadd %r3, -16\nmov %r4, 0\n"
        "call 2\njne %r0, 0, fail\n"
        "ld_map_fd %r1, 3\nmov %r2, %r10\nadd %r2, -4\ncall 1\njeq %r0, 0, fail\n"
        "ldxdw %r1, [%r0]\nadd %r1, 1\nstxdw [%r0], %r1\nmov %r0, %r1\nexit\n"
        "fail:\nmov %r0, -1\nexit",
        f.opts);
    RunContext ctx;
    CHECK(Interpreter::instance().run(prog, ctx, {}).value() == 1235);
    uint32_t key = 7;
    uint64_t value = 0;
    REQUIRE(f.map->lookup(&key, &value, 0));
    CHECK(value == 1235);

    Program del = load_asm(
        "stw [%r10-4], 7\nld_map_fd %r1, 3\nmov %r2, %r10\nadd %r2, -4\ncall 3\n"
        "mov %r6, %r0\nld_map_fd %r1, 3\nmov %r2, %r10\nadd %r2, -4\ncall 3\n"
        "lsh %r6, 32\nor %r0, %r6\nexit",
        f.opts);
    // First delete succeeds (0), second finds nothing (-ENOENT).
    CHECK(Interpreter::instance().run(del, ctx, {}).value() == uint64_t(int64_t(-ENOENT)));
    CHECK_FALSE(f.map->lookup(&key, &value, 0));
}

TEST_CASE("map helpers refuse non-map pointers and bad keys in checked mode") {
    MapFixture f;
    Program not_map = load_asm("mov %r1, 0x1000\nmov %r2, %r10\nadd %r2, -4\ncall 1\nexit", f.opts);
    RunContext ctx;
    auto r = Interpreter::instance().run(not_map, ctx, {});
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("not a map used by the program"));
    Program bad_key = load_asm("ld_map_fd %r1, 3\nmov %r2, 0x10\ncall 1\nexit", f.opts);
    r = Interpreter::instance().run(bad_key, ctx, {});
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("key"));
    // The value of a missing key is NULL, and NULL is not readable.
    Program miss = load_asm(
        "stw [%r10-4], 99\nld_map_fd %r1, 3\nmov %r2, %r10\nadd %r2, -4\ncall 1\n"
        "ldxdw %r0, [%r0]\nexit",
        f.opts);
    r = Interpreter::instance().run(miss, ctx, {});
    REQUIRE_FALSE(r);
    CHECK(r.error().code == EFAULT);
}
