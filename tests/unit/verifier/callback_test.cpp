// Callbacks (bpf_loop, bpf_for_each_map_elem): the function pointer type,
// the arguments the callback gets, its return range, and iterations of the
// callback explored until they converge — each refusal with its errno and
// the kernel's log line.
#include "tests/unit/verifier/verifier_fixture.h"

using namespace vtest;

namespace {

// main: bpf_loop(4, cb, &fp[-8], 0) with fp[-8] = 0; returns 0. The
// callback's body follows "cb:".
std::string loop_with(const std::string &callback) {
    return "stdw [%r10-8], 0\n"
           "mov %r1, 4\nld_func %r2, cb\nmov %r3, %r10\nadd %r3, -8\nmov %r4, 0\n"
           "call 181\nmov %r0, 0\nexit\n"
           "cb:\n" +
           callback;
}

// main: bpf_for_each_map_elem(map 0, cb, &fp[-8], 0); returns 0.
std::string for_each_with(const std::string &callback) {
    return "stdw [%r10-8], 0\n"
           "ld_map_fd %r1, 0\nld_func %r2, cb\nmov %r3, %r10\nadd %r3, -8\nmov %r4, 0\n"
           "call 164\nmov %r0, 0\nexit\n"
           "cb:\n" +
           callback;
}

}  // namespace

TEST_CASE("bpf_loop with a callback adding its index into the caller's stack is accepted") {
    auto v = check(loop_with("ldxdw %r3, [%r2]\nadd %r3, %r1\nstxdw [%r2], %r3\n"
                             "mov %r0, 0\nexit\n"),
                   elem_env());
    expect_accept(v);
    // Two sub-programs: the callback is one.
    CHECK(v.stack_depths.size() == 2);
    // Unprivileged too: nothing here needs the relaxed rules.
    expect_accept(check(loop_with("mov %r0, 1\nexit\n"), elem_env(false)));
}

TEST_CASE("a callback must return 0 or 1: EINVAL, a pointer: EACCES") {
    expect_reject(check(loop_with("mov %r0, 2\nexit\n"), elem_env()), EINVAL,
                  "At callback return the register R0 has smin=2 smax=2 should have been in "
                  "[0, 1]");
    expect_reject(check(loop_with("mov %r0, %r1\nexit\n"), elem_env()), EINVAL,
                  "At callback return the register R0 has unknown scalar value should have been "
                  "in [0, 1]");
    // The kernel's order: a stack pointer first (the caller's ctx here).
    expect_reject(check(loop_with("mov %r0, %r2\nexit\n"), elem_env()), EINVAL,
                  "cannot return stack pointer to the caller");
    auto map = make_map(BPF_MAP_TYPE_HASH, 4, 8);
    expect_reject(check(for_each_with("mov %r0, %r3\nexit\n"), elem_env(), {map}), EACCES,
                  "R0 not a scalar value");
    // A range that stays within [0, 1] is fine.
    expect_accept(check(loop_with("mov %r0, %r1\nand %r0, 1\nexit\n"), elem_env()));
}

TEST_CASE("bpf_loop's callback gets an index and the ctx, nothing else") {
    // Reading past the caller's 8 bytes of ctx leaves its stack.
    expect_reject(check(loop_with("ldxdw %r3, [%r2+8]\nmov %r0, 0\nexit\n"), elem_env()), EACCES,
                  "invalid read from stack R2 off=0 size=8");
    expect_reject(check(loop_with("mov %r0, %r3\nexit\n"), elem_env()), EACCES, "R3 !read_ok");
    // A NULL ctx is allowed, and is then a scalar the callback cannot read through.
    auto null_ctx =
        "mov %r1, 4\nld_func %r2, cb\nmov %r3, 0\nmov %r4, 0\ncall 181\nmov %r0, 0\nexit\n"
        "cb:\nldxdw %r0, [%r2]\nmov %r0, 0\nexit\n";
    expect_reject(check(null_ctx, elem_env()), EACCES, "R2 invalid mem access 'scalar'");
}

TEST_CASE("callback helper arguments: a function, a stack pointer or NULL") {
    expect_reject(check("mov %r1, 4\nmov %r2, 0\nmov %r3, 0\nmov %r4, 0\ncall 181\n"
                        "mov %r0, 0\nexit\n",
                        elem_env()),
                  EACCES, "R2 type=scalar expected=func");
    expect_reject(check("mov %r3, %r1\nmov %r1, 4\nld_func %r2, cb\nmov %r4, 0\ncall 181\n"
                        "mov %r0, 0\nexit\ncb:\nmov %r0, 0\nexit\n",
                        elem_env()),
                  EACCES, "R3 type=ctx expected=fp");
    expect_reject(check("ld_func %r2, cb\nadd %r2, 8\nmov %r1, 4\nmov %r3, 0\nmov %r4, 0\n"
                        "call 181\nmov %r0, 0\nexit\ncb:\nmov %r0, 0\nexit\n",
                        elem_env()),
                  EACCES, "R2 pointer arithmetic on func prohibited");
    expect_reject(check("mov %r1, 0\nld_func %r2, cb\nmov %r3, 0\nmov %r4, 0\ncall 164\n"
                        "mov %r0, 0\nexit\ncb:\nmov %r0, 0\nexit\n",
                        elem_env()),
                  EACCES, "R1 type=scalar expected=map_ptr");
}

TEST_CASE("what the callback does to the caller's stack is seen after the helper") {
    auto map = make_map(BPF_MAP_TYPE_ARRAY, 4, 8);
    // After bpf_loop, fp[-8] is an offset into a map value: 0 if the callback
    // never ran, 8 (out of bounds) if it did. Both must be considered.
    auto after = [](const std::string &init, const std::string &cb_value) {
        return "stdw [%r10-8], " + init +
               "\n"
               "mov %r1, 4\nld_func %r2, cb\nmov %r3, %r10\nadd %r3, -8\nmov %r4, 0\ncall 181\n"
               "stw [%r10-12], 0\nmov %r2, %r10\nadd %r2, -12\nld_map_fd %r1, 0\ncall 1\n"
               "jeq %r0, 0, out\nldxdw %r1, [%r10-8]\nadd %r0, %r1\nldxdw %r0, [%r0]\n"
               "out:\nmov %r0, 0\nexit\n"
               "cb:\nstdw [%r2], " +
               cb_value + "\nmov %r0, 0\nexit\n";
    };
    expect_accept(check(after("0", "0"), elem_env(), {map}));
    expect_reject(check(after("0", "8"), elem_env(), {map}), EACCES,
                  "invalid access to map value, value_size=8 off=8 size=8");
    expect_reject(check(after("8", "0"), elem_env(), {map}), EACCES,
                  "invalid access to map value, value_size=8 off=8 size=8");
}

TEST_CASE("a callback counting in its ctx converges (the count is widened)") {
    auto v = check(loop_with("ldxdw %r3, [%r2]\nadd %r3, 1\nstxdw [%r2], %r3\n"
                             "mov %r0, 0\nexit\n"),
                   elem_env());
    expect_accept(v);
    CHECK(v.processed_insns < 500);
}

TEST_CASE("a callback stopping at a bound keeps its count exact") {
    // cb: if (*ctx >= 3) return 1; use *ctx as an index into a 4-entry map
    // value of u64... here, into the caller's 32-byte stack array.
    auto v = check(
        "stdw [%r10-8], 0\nstdw [%r10-16], 0\nstdw [%r10-24], 0\nstdw [%r10-32], 0\n"
        "stdw [%r10-40], 0\n"
        "mov %r1, 100\nld_func %r2, cb\nmov %r3, %r10\nadd %r3, -40\nmov %r4, 0\n"
        "call 181\nmov %r0, 0\nexit\n"
        "cb:\nldxdw %r3, [%r2]\njge %r3, 4, stop\n"
        "mov %r4, %r3\nlsh %r4, 3\nmov %r5, %r2\nadd %r5, 8\nadd %r5, %r4\nstdw [%r5], 1\n"
        "add %r3, 1\nstxdw [%r2], %r3\nmov %r0, 0\nexit\n"
        "stop:\nmov %r0, 1\nexit\n",
        elem_env());
    expect_accept(v);
}

TEST_CASE("an infinite loop inside a callback is still detected") {
    expect_reject(check(loop_with("spin:\nja spin\n"), elem_env()), EINVAL,
                  "infinite loop detected");
}

TEST_CASE("bpf_for_each_map_elem's callback: map, read-only key, value, ctx") {
    auto map = make_map(BPF_MAP_TYPE_HASH, 4, 16);
    // Reads the key and the whole value, writes the value, uses the map.
    expect_accept(check(for_each_with("ldxw %r5, [%r2]\nldxdw %r0, [%r3+8]\nstdw [%r3], 1\n"
                                      "ldxdw %r0, [%r4]\nmov %r0, 0\nexit\n"),
                        elem_env(), {map}));
    // The key may be passed to map helpers as a key (bpf_map_delete_elem).
    expect_accept(check(for_each_with("call 3\nmov %r0, 0\nexit\n"), elem_env(), {map}));
    expect_reject(check(for_each_with("stw [%r2], 1\nmov %r0, 0\nexit\n"), elem_env(), {map}),
                  EACCES, "write to change key R2 not allowed");
    expect_reject(check(for_each_with("ldxw %r0, [%r2+4]\nmov %r0, 0\nexit\n"), elem_env(), {map}),
                  EACCES, "invalid access to map key, key_size=4 off=4 size=4");
    expect_reject(
        check(for_each_with("ldxdw %r0, [%r3+16]\nmov %r0, 0\nexit\n"), elem_env(), {map}), EACCES,
        "invalid access to map value, value_size=16 off=16 size=8");
    expect_reject(check(for_each_with("mov %r0, %r5\nexit\n"), elem_env(), {map}), EACCES,
                  "R5 !read_ok");
    auto rdonly = make_map(BPF_MAP_TYPE_ARRAY, 4, 8, BPF_F_RDONLY_PROG);
    expect_reject(check(for_each_with("stdw [%r3], 1\nmov %r0, 0\nexit\n"), elem_env(), {rdonly}),
                  EACCES, "write into map forbidden");
}

TEST_CASE("callbacks count towards the 8 frames") {
    // main -> cb0 -> cb1 -> ... each callback calling bpf_loop with the next.
    auto nested = [](int callbacks) {
        std::string t =
            "mov %r1, 1\nld_func %r2, cb0\nmov %r3, 0\nmov %r4, 0\ncall 181\n"
            "mov %r0, 0\nexit\n";
        for (int c = 0; c < callbacks; ++c) {
            t += "cb" + std::to_string(c) + ":\n";
            if (c + 1 < callbacks)
                t += "mov %r1, 1\nld_func %r2, cb" + std::to_string(c + 1) +
                     "\nmov %r3, 0\nmov %r4, 0\ncall 181\n";
            t += "mov %r0, 0\nexit\n";
        }
        return t;
    };
    expect_accept(check(nested(7), elem_env()));
    expect_reject(check(nested(8), elem_env()), E2BIG, "the call stack of 9 frames is too deep");
    // A callback passing itself is recursion.
    expect_reject(check("mov %r1, 1\nld_func %r2, cb\nmov %r3, 0\nmov %r4, 0\ncall 181\n"
                        "mov %r0, 0\nexit\n"
                        "cb:\nmov %r1, 1\nld_func %r2, cb\nmov %r3, 0\nmov %r4, 0\ncall 181\n"
                        "mov %r0, 0\nexit\n",
                        elem_env()),
                  EINVAL, "recursive call");
}

TEST_CASE("a function address outside the program: EINVAL") {
    expect_reject(check("ld_func %r2, 100\nmov %r0, 0\nexit\n", elem_env()), EINVAL,
                  "call to invalid destination");
}
