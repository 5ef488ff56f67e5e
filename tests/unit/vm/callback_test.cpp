// Callbacks: bpf_loop (181) and bpf_for_each_map_elem (164) calling a function
// of the program (LDDW src 4) on a new frame, in checked and unchecked mode.
#include <cerrno>

#include "core/map.h"
#include "vm_test_util.h"

using namespace vmtest;

namespace {

// Runs text with map (if any) behind "ld_map_fd %rN, 3", checked or not.
Result<uint64_t> run_with_map(const std::string &text, const std::shared_ptr<Map> &map,
                              bool checked) {
    LoadOptions opts;
    opts.checked = checked;
    opts.resolver = [&](const PseudoImm &p) -> Result<ResolvedImm> {
        if (p.src != op::kPseudoMapFd || p.imm != 3 || !map) return fail(EBADF, "bad fd");
        ResolvedImm r;
        r.value = reinterpret_cast<uint64_t>(map.get());
        r.map = map.get();
        r.hold = map;
        return r;
    };
    Program prog = load_asm(text, opts);
    RunContext ctx;
    return Interpreter::instance().run(prog, ctx, {});
}

// Both modes must agree; returns r0.
uint64_t r0_both(const std::string &text, const std::shared_ptr<Map> &map = nullptr) {
    INFO(text);
    auto checked = run_with_map(text, map, true);
    if (!checked) FAIL("checked run failed: " << checked.error().message);
    auto unchecked = run_with_map(text, map, false);
    if (!unchecked) FAIL("unchecked run failed: " << unchecked.error().message);
    CHECK(*checked == *unchecked);
    return *checked;
}

// bpf_loop(r1 = n, sum_cb, &sum, flags) and returns (ret << 32) | sum, where
// sum_cb adds its index to the u64 at ctx and stops (returns 1) at index stop.
std::string loop_program(int64_t n, int64_t stop, int64_t flags = 0) {
    return "stdw [%r10-8], 0\n"
           "lddw %r1, " +
           std::to_string(n) +
           "\n"
           "ld_func %r2, cb\n"
           "mov %r3, %r10\nadd %r3, -8\n"
           "mov %r4, " +
           std::to_string(flags) +
           "\n"
           "call 181\n"
           "lsh %r0, 32\nldxdw %r1, [%r10-8]\nor %r0, %r1\nexit\n"
           "cb:\n"
           "ldxdw %r3, [%r2]\nadd %r3, %r1\nstxdw [%r2], %r3\n"
           "mov %r0, 0\njne %r1, " +
           std::to_string(stop) + ", +1\nmov %r0, 1\nexit\n";
}

std::shared_ptr<Map> make_map(uint32_t type, uint32_t max_entries, unsigned ncpus = 1) {
    MapSpec spec;
    spec.map_type = type;
    spec.key_size = 4;
    spec.value_size = 8;
    spec.max_entries = max_entries;
    spec.name = "cb_test";
    auto m = Map::create(spec, ncpus);
    REQUIRE(m);
    return *m;
}

// Sum of the values the syscall side sees for key (every CPU's for per-CPU maps).
uint64_t value_sum(Map &map, uint32_t key) {
    std::vector<uint64_t> v(map.user_value_size() / 8);
    REQUIRE(map.lookup(&key, v.data(), 0));
    uint64_t s = 0;
    for (uint64_t x : v)
        s += x;
    return s;
}

void put(Map &map, uint32_t key, uint64_t value) {
    std::vector<uint64_t> v(map.user_value_size() / 8, value);
    REQUIRE(map.update(&key, v.data(), 0));
}

// for_each over map 3 with a callback adding *value to the u64 at ctx and
// incrementing *value; returns (visited << 32) | sum.
const char *kSumValues =
    "stdw [%r10-8], 0\n"
    "ld_map_fd %r1, 3\nld_func %r2, cb\nmov %r3, %r10\nadd %r3, -8\nmov %r4, 0\n"
    "call 164\n"
    "lsh %r0, 32\nldxdw %r1, [%r10-8]\nor %r0, %r1\nexit\n"
    "cb:\n"
    "ldxdw %r5, [%r3]\nldxdw %r0, [%r4]\nadd %r0, %r5\nstxdw [%r4], %r0\n"
    "add %r5, 1\nstxdw [%r3], %r5\nmov %r0, 0\nexit\n";

}  // namespace

TEST_CASE("bpf_loop calls the callback with its index and ctx, returns the iterations") {
    CHECK(r0_both(loop_program(5, -1)) == ((5ull << 32) | 10));
    CHECK(r0_both(loop_program(0, -1)) == 0);
    // nr_loops is a u32: the upper half is ignored.
    CHECK(r0_both(loop_program(int64_t(1) << 32 | 3, -1)) == ((3ull << 32) | 3));
}

TEST_CASE("bpf_loop stops when the callback returns 1 and counts that call") {
    CHECK(r0_both(loop_program(10, 3)) == ((4ull << 32) | 6));
    CHECK(r0_both(loop_program(10, 0)) == ((1ull << 32) | 0));
}

TEST_CASE("bpf_loop refuses more than 1 << 23 loops (E2BIG) and any flags (EINVAL)") {
    CHECK(r0_both(loop_program((1 << 23) + 1, -1)) == uint64_t(int64_t(-E2BIG)) << 32);
    CHECK(r0_both(loop_program(3, -1, 1)) == uint64_t(int64_t(-EINVAL)) << 32);
}

TEST_CASE("a callback runs on its own frame, zeroed in each run; r6..r9 of the caller survive") {
    // The callback dirties its own stack and registers; the caller's are
    // intact. It counts its calls in its frame: the frame is zeroed when the
    // run first reaches it, not at every call (as in the kernel, what a
    // callback left on its stack is there at its next call).
    const char *text =
        "mov %r6, 66\nmov %r9, 99\nstdw [%r10-8], 7\n"
        "mov %r1, 3\nld_func %r2, cb\nmov %r3, 0\nmov %r4, 0\ncall 181\n"
        "jne %r6, 66, bad\njne %r9, 99, bad\nldxdw %r0, [%r10-8]\nexit\n"
        "bad:\nmov %r0, -1\nexit\n"
        "cb:\nldxdw %r0, [%r10-8]\nadd %r0, 1\nstxdw [%r10-8], %r0\n"
        "mov %r6, 1\nmov %r9, 1\nmov %r0, 0\nexit\n";
    CHECK(r0_both(text) == 7);
    // A second run of a program reading its callback's frame sees zeroes.
    const char *reader =
        "stdw [%r10-8], 0\nmov %r1, 1\nld_func %r2, cb\nmov %r3, %r10\nadd %r3, -8\n"
        "mov %r4, 0\ncall 181\nldxdw %r0, [%r10-8]\nexit\n"
        "cb:\nldxdw %r0, [%r10-16]\nstxdw [%r2], %r0\nstdw [%r10-16], 42\nmov %r0, 0\nexit\n";
    LoadOptions opts;
    Program prog = load_asm(reader, opts);
    RunContext ctx;
    CHECK(Interpreter::instance().run(prog, ctx, {}).value() == 0);
    CHECK(Interpreter::instance().run(prog, ctx, {}).value() == 0);
}

TEST_CASE("nested bpf_loop: callbacks count towards the 8-frame limit") {
    // cb increments the counter at ctx and calls bpf_loop(1, cb, ctx) again
    // while the counter is below the limit in r8 of the main program's ctx.
    auto nested = [](int limit) {
        return "stdw [%r10-8], 0\nstdw [%r10-16], " + std::to_string(limit) +
               "\n"
               "mov %r1, 1\nld_func %r2, cb\nmov %r3, %r10\nadd %r3, -16\nmov %r4, 0\n"
               "call 181\nldxdw %r0, [%r10-8]\nexit\n"
               "cb:\n"
               "ldxdw %r3, [%r2+8]\nadd %r3, 1\nstxdw [%r2+8], %r3\n"
               "ldxdw %r4, [%r2]\njge %r3, %r4, done\n"
               "mov %r3, %r2\nmov %r1, 1\nld_func %r2, cb\nmov %r4, 0\ncall 181\n"
               "done:\nmov %r0, 0\nexit\n";
    };
    // Frames 1..7 are callbacks: 7 nested calls fit.
    CHECK(r0_both(nested(7)) == 7);
    for (bool checked : {true, false}) {
        auto r = run_with_map(nested(8), nullptr, checked);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == E2BIG);
        CHECK_THAT(r.error().message, Catch::Contains("exceed 8 stack frames"));
    }
}

TEST_CASE("a callback value that is not a function of the program faults") {
    for (bool checked : {true, false}) {
        auto r = run_with_map(
            "mov %r1, 1\nmov %r2, 3\nmov %r3, 0\nmov %r4, 0\ncall 181\nexit\n"
            "ld_func %r2, cb\ncb:\nmov %r0, 0\nexit\n",
            nullptr, checked);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == EFAULT);
        CHECK_THAT(r.error().message, Catch::Contains("not a function of the program"));
    }
}

TEST_CASE("a fault inside a callback ends the run and names both instructions") {
    auto r = run_with_map(
        "mov %r1, 1\nld_func %r2, cb\nmov %r3, 0\nmov %r4, 0\ncall 181\nexit\n"
        "cb:\nldxdw %r0, [%r2]\nexit\n",
        nullptr, true);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == EFAULT);
    CHECK_THAT(r.error().message, Catch::Contains("instruction 5") &&
                                      Catch::Contains("callback at instruction 7") &&
                                      Catch::Contains("instruction 7: read of 8 bytes"));
}

TEST_CASE("bpf_for_each_map_elem visits every element of every map type") {
    for (uint32_t type : {BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_PERCPU_HASH, BPF_MAP_TYPE_LRU_HASH,
                          BPF_MAP_TYPE_LRU_PERCPU_HASH}) {
        DYNAMIC_SECTION("hash type " << type) {
            auto map = make_map(type, 64);
            for (uint32_t k = 1; k <= 10; ++k)
                put(*map, k, k * 10);
            // Checked, then unchecked: each run adds 1 to every value.
            auto checked = run_with_map(kSumValues, map, true);
            REQUIRE(checked);
            CHECK(*checked == ((10ull << 32) | 550));
            auto unchecked = run_with_map(kSumValues, map, false);
            REQUIRE(unchecked);
            CHECK(*unchecked == ((10ull << 32) | 560));
            for (uint32_t k = 1; k <= 10; ++k)
                CHECK(value_sum(*map, k) == k * 10 + 2);
        }
    }
    for (uint32_t type : {BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_PERCPU_ARRAY}) {
        DYNAMIC_SECTION("array type " << type) {
            auto map = make_map(type, 4);
            for (uint32_t k = 0; k < 4; ++k)
                put(*map, k, k + 1);
            CHECK(run_with_map(kSumValues, map, true).value() == ((4ull << 32) | 10));
            CHECK(run_with_map(kSumValues, map, false).value() == ((4ull << 32) | 14));
            for (uint32_t k = 0; k < 4; ++k)
                CHECK(value_sum(*map, k) == k + 3);
        }
    }
}

TEST_CASE("bpf_for_each_map_elem gives per-CPU maps' callbacks the running CPU's value") {
    for (uint32_t type : {BPF_MAP_TYPE_PERCPU_HASH, BPF_MAP_TYPE_PERCPU_ARRAY}) {
        auto map = make_map(type, 4, 3);
        for (uint32_t k = 0; k < 4; ++k)
            put(*map, k, 100);
        // Each CPU's slot holds 100: the callback sees 100 and adds 1 to one slot.
        CHECK(run_with_map(kSumValues, map, true).value() == ((4ull << 32) | 400));
        for (uint32_t k = 0; k < 4; ++k)
            CHECK(value_sum(*map, k) == 3 * 100 + 1);
    }
}

TEST_CASE("bpf_for_each_map_elem on an empty map visits nothing; flags are EINVAL") {
    auto map = make_map(BPF_MAP_TYPE_HASH, 8);
    CHECK(r0_both(kSumValues, map) == 0);
    auto flagged = std::string(kSumValues);
    flagged.replace(flagged.find("mov %r4, 0"), 10, "mov %r4, 1");
    put(*map, 1, 1);
    CHECK(r0_both(flagged, map) == uint64_t(int64_t(-EINVAL)) << 32);
    CHECK(value_sum(*map, 1) == 1);  // nothing visited
}

TEST_CASE("bpf_for_each_map_elem passes the key; returning 1 stops after that element") {
    auto map = make_map(BPF_MAP_TYPE_ARRAY, 8);
    // Stop at key 2: three elements visited.
    const char *text =
        "ld_map_fd %r1, 3\nld_func %r2, cb\nmov %r3, 0\nmov %r4, 0\ncall 164\nexit\n"
        "cb:\nldxw %r1, [%r2]\nmov %r0, 0\njne %r1, 2, +1\nmov %r0, 1\nexit\n";
    CHECK(r0_both(text, map) == 3);
}

TEST_CASE("the key is read-only memory in checked mode") {
    auto map = make_map(BPF_MAP_TYPE_HASH, 8);
    put(*map, 1, 1);
    auto r = run_with_map(
        "ld_map_fd %r1, 3\nld_func %r2, cb\nmov %r3, 0\nmov %r4, 0\ncall 164\nexit\n"
        "cb:\nstw [%r2], 9\nmov %r0, 0\nexit\n",
        map, true);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == EFAULT);
    CHECK_THAT(r.error().message, Catch::Contains("write of 4 bytes"));
}

TEST_CASE("deleting the current element during bpf_for_each_map_elem on a hash map") {
    for (uint32_t type : {BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_LRU_HASH}) {
        auto map = make_map(type, 256);
        for (uint32_t k = 0; k < 200; ++k)
            put(*map, k, k);
        // cb(map, key, value, ctx): bpf_map_delete_elem(map, key); read the value after.
        const char *text =
            "ld_map_fd %r1, 3\nld_func %r2, cb\nmov %r3, 0\nmov %r4, 0\ncall 164\nexit\n"
            "cb:\nmov %r6, %r3\ncall 3\njne %r0, 0, fail\nldxdw %r0, [%r6]\nmov %r0, 0\nexit\n"
            "fail:\nmov %r0, 1\nexit\n";
        CHECK(run_with_map(text, map, true).value() == 200);
        uint32_t first = 0;
        CHECK(map->get_next_key(nullptr, &first).error().code == ENOENT);
    }
}

TEST_CASE("a value pointer a callback keeps in its caller's stack stays usable") {
    // cb stores the element's value pointer at ctx and stops; after the walk
    // the program reads through it (checked mode must still allow it).
    auto map = make_map(BPF_MAP_TYPE_HASH, 8);
    put(*map, 5, 4242);
    const char *text =
        "stdw [%r10-8], 0\n"
        "ld_map_fd %r1, 3\nld_func %r2, cb\nmov %r3, %r10\nadd %r3, -8\nmov %r4, 0\ncall 164\n"
        "ldxdw %r1, [%r10-8]\nldxdw %r0, [%r1]\nexit\n"
        "cb:\nstxdw [%r4], %r3\nmov %r0, 1\nexit\n";
    CHECK(r0_both(text, map) == 4242);
}

size_t g_max_regions = 0;
uint64_t record_regions(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, RunContext &ctx) {
    g_max_regions = std::max(g_max_regions, ctx.region_count());
    return 0;
}

TEST_CASE("long loops do not keep the memory of finished callbacks") {
    // 1000 elements, each looked up again inside the callback: the table of
    // regions must not grow with the walk (checking it would turn quadratic).
    auto map = make_map(BPF_MAP_TYPE_HASH, 1024);
    for (uint32_t k = 0; k < 1000; ++k)
        put(*map, k, 1);
    const char *text =
        "stdw [%r10-8], 0\n"
        "ld_map_fd %r1, 3\nld_func %r2, cb\nmov %r3, %r10\nadd %r3, -8\nmov %r4, 0\ncall 164\n"
        "ldxdw %r0, [%r10-8]\nexit\n"
        "cb:\nmov %r6, %r4\nld_map_fd %r1, 3\ncall 1\njeq %r0, 0, out\n"
        "ldxdw %r1, [%r0]\nldxdw %r2, [%r6]\nadd %r2, %r1\nstxdw [%r6], %r2\ncall 1002\n"
        "out:\nmov %r0, 0\nexit\n";
    HelperTable helpers = HelperTable::standard();
    helpers.set(1002, "test_record_regions", record_regions);
    for (bool checked : {true, false}) {
        LoadOptions opts;
        opts.checked = checked;
        opts.helpers = &helpers;
        opts.resolver = [&](const PseudoImm &) -> Result<ResolvedImm> {
            ResolvedImm r;
            r.value = reinterpret_cast<uint64_t>(map.get());
            r.map = map.get();
            return r;
        };
        Program prog = load_asm(text, opts);
        RunContext ctx;
        g_max_regions = 0;
        CHECK(Interpreter::instance().run(prog, ctx, {}).value() == 1000);
        CHECK(g_max_regions > 0);
        CHECK(g_max_regions <= 4);
    }
}
