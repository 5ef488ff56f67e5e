// The verifier on hand-assembled programs: what it accepts, and what it
// refuses with which errno and which log line (the kernel's wording).
#include "tests/unit/verifier/verifier_fixture.h"

using namespace vtest;

TEST_CASE("the smallest iterator program is accepted, with the kernel's statistics line") {
    auto v = check("mov %r0, 0\nexit", elem_env());
    expect_accept(v);
    CHECK(has(v, "0: (b7) r0 = 0\n1: (95) exit\n"));
    CHECK(has(v,
              "processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 "
              "peak_states 1 mark_read 0\n"));
}

TEST_CASE("a bounded loop over the value buffer is accepted; its extent is recorded") {
    auto v = check(R"(
        ldxdw %r3, [%r1+24]
        jeq %r3, 0, out
        mov %r0, 0
        mov %r6, %r3
        mov %r7, 0
    loop:
        ldxdw %r5, [%r6+0]
        add %r7, %r5
        add %r6, 8
        add %r0, 1
        jlt %r0, 10, loop
    out:
        mov %r0, 0
        exit
    )",
                   elem_env());
    expect_accept(v);
    CHECK(v.max_rdwr_access == 80);
    CHECK(v.max_rdonly_access == 0);
}

TEST_CASE("NULL dereference without a check: EACCES") {
    auto v = check(R"(
        ldxdw %r2, [%r1+16]
        ldxw %r0, [%r2+0]
        mov %r0, 0
        exit
    )",
                   elem_env());
    expect_reject(v, EACCES, "R2 invalid mem access 'rdonly_buf_or_null'");
    CHECK(has(v, "1: (61) r0 = *(u32 *)(r2 +0)"));
}

TEST_CASE("map lookup result used without a NULL check: EACCES") {
    auto map = make_map(BPF_MAP_TYPE_ARRAY, 4, 8);
    auto v = check(R"(
        stw [%r10-4], 0
        mov %r2, %r10
        add %r2, -4
        ld_map_fd %r1, 0
        call 1
        ldxdw %r0, [%r0+0]
        mov %r0, 0
        exit
    )",
                   elem_env(), {map});
    expect_reject(v, EACCES, "R0 invalid mem access 'map_value_or_null'");
}

TEST_CASE("a write to the iterator key: EACCES") {
    auto v = check(R"(
        ldxdw %r2, [%r1+16]
        jeq %r2, 0, out
        stw [%r2+0], 1
    out:
        mov %r0, 0
        exit
    )",
                   elem_env());
    expect_reject(v, EACCES, "R2 cannot write into rdonly_buf");
}

TEST_CASE("a negative offset into an iterator buffer: EACCES") {
    auto v = check(R"(
        ldxdw %r2, [%r1+24]
        jeq %r2, 0, out
        ldxw %r3, [%r2-4]
    out:
        mov %r0, 0
        exit
    )",
                   elem_env());
    expect_reject(v, EACCES, "R2 invalid rdwr buffer access: off=-4");
}

TEST_CASE("out-of-bounds map value access: EACCES") {
    auto map = make_map(BPF_MAP_TYPE_ARRAY, 4, 8);
    auto v = check(R"(
        stw [%r10-4], 0
        mov %r2, %r10
        add %r2, -4
        ld_map_fd %r1, 0
        call 1
        jeq %r0, 0, out
        ldxdw %r1, [%r0+4]
    out:
        mov %r0, 0
        exit
    )",
                   elem_env(), {map});
    expect_reject(v, EACCES, "invalid access to map value, value_size=8 off=4 size=8");
}

TEST_CASE("a variable map value index needs bounds") {
    auto map = make_map(BPF_MAP_TYPE_ARRAY, 4, 64);
    const std::string prefix = R"(
        stw [%r10-4], 0
        mov %r2, %r10
        add %r2, -4
        ld_map_fd %r1, 0
        call 1
        jeq %r0, 0, out
        ldxdw %r1, [%r0+0]
    )";
    SECTION("unbounded: refused") {
        auto v = check(prefix + "add %r0, %r1\nldxb %r1, [%r0+0]\nout:\nmov %r0, 0\nexit",
                       elem_env(), {map});
        expect_reject(v, EACCES, "unbounded memory access");
    }
    SECTION("masked: accepted") {
        auto v =
            check(prefix + "and %r1, 63\nadd %r0, %r1\nldxb %r1, [%r0+0]\nout:\nmov %r0, 0\nexit",
                  elem_env(), {map});
        expect_accept(v);
    }
    SECTION("compared: accepted") {
        auto v = check(
            prefix + "jge %r1, 60, out\nadd %r0, %r1\nldxw %r1, [%r0+0]\nout:\nmov %r0, 0\nexit",
            elem_env(), {map});
        expect_accept(v);
    }
    SECTION("compared one too far: refused") {
        auto v = check(
            prefix + "jgt %r1, 61, out\nadd %r0, %r1\nldxw %r1, [%r0+0]\nout:\nmov %r0, 0\nexit",
            elem_env(), {map});
        expect_reject(v, EACCES, "invalid access to map value, value_size=64 off=61 size=4");
    }
}

TEST_CASE("uninitialised stack reads: refused by the strict rules, allowed to privileged clients") {
    const std::string text = R"(
        ldxdw %r0, [%r10-8]
        mov %r0, 0
        exit
    )";
    expect_reject(check(text, elem_env(false)), EACCES,
                  "invalid read from stack R10 off -8+0 size 8");
    expect_accept(check(text, elem_env(true)));
}

TEST_CASE("an unbounded loop: E2BIG or an infinite loop") {
    SECTION("a loop that never changes state is detected") {
        auto v = check("loop:\nja loop", elem_env());
        expect_reject(v, EINVAL, "infinite loop detected at insn 0");
    }
    SECTION("a counter without bound exhausts the complexity limit") {
        auto env = elem_env();
        env.log_level = 4;  // BPF_LOG_STATS: messages without the trace of every instruction
        auto v = check(R"(
            mov %r1, 0
        loop:
            add %r1, 1
            jne %r1, 0, loop
            mov %r0, 0
            exit
        )",
                       env);
        expect_reject(v, E2BIG, "BPF program is too large. Processed 1000001 insn");
    }
}

TEST_CASE("an iterator program must return 0 or 1: EINVAL") {
    auto v = check("mov %r0, 2\nexit", elem_env());
    expect_reject(v, EINVAL,
                  "At program exit the register R0 has smin=2 smax=2 should have been in [0, 1]");
    auto unknown = check("ldxdw %r0, [%r1+0]\nldxdw %r0, [%r0+8]\nexit", elem_env());
    expect_reject(unknown, EINVAL, "should have been in [0, 1]");
    expect_accept(check("ldxdw %r0, [%r1+0]\nldxdw %r0, [%r0+8]\nand %r0, 1\nexit", elem_env()));
}

TEST_CASE("R0 uninitialised at exit: EACCES") {
    expect_reject(check("exit", elem_env()), EACCES, "R0 !read_ok");
}

TEST_CASE("a pointer stored into a map: refused by the strict rules only") {
    auto map = make_map(BPF_MAP_TYPE_ARRAY, 4, 8);
    const std::string text = R"(
        stw [%r10-4], 0
        mov %r2, %r10
        add %r2, -4
        ld_map_fd %r1, 0
        call 1
        jeq %r0, 0, out
        stxdw [%r0+0], %r10
    out:
        mov %r0, 0
        exit
    )";
    expect_reject(check(text, elem_env(false), {map}), EACCES, "R10 leaks addr into map");
    expect_accept(check(text, elem_env(true), {map}));
}

TEST_CASE("wrong helper arguments: EACCES") {
    auto map = make_map(BPF_MAP_TYPE_HASH, 8, 8);
    SECTION("a scalar where the map goes") {
        auto v = check("mov %r1, 0\nmov %r2, 0\ncall 1\nmov %r0, 0\nexit", elem_env());
        expect_reject(v, EACCES, "R1 type=scalar expected=map_ptr");
    }
    SECTION("a key of 4 initialised bytes for an 8-byte key") {
        auto v = check(R"(
            stw [%r10-8], 0
            mov %r2, %r10
            add %r2, -8
            ld_map_fd %r1, 0
            call 1
            mov %r0, 0
            exit
        )",
                       elem_env(false), {map});
        expect_reject(v, EACCES, "invalid indirect read from stack R2 off -8+4 size 8");
    }
    SECTION("seq_printf without the seq_file") {
        auto v = check(R"(
            mov %r1, %r10
            mov %r2, %r10
            mov %r3, 0
            mov %r4, 0
            mov %r5, 0
            call 126
            mov %r0, 0
            exit
        )",
                       elem_env());
        expect_reject(v, EACCES, "R1 type=fp expected=ptr_seq_file");
    }
    SECTION("an unknown helper") {
        auto v = check("call 12345\nmov %r0, 0\nexit", elem_env());
        expect_reject(v, EINVAL, "cannot use helper unknown#12345");
    }
}

TEST_CASE("GPL-only helpers need a GPL-compatible license: EINVAL") {
    auto env = elem_env();
    env.gpl_compatible = false;
    // Refused at the call, before its arguments (no seq_file is needed;
    // reading ctx->meta would be refused by itself, below).
    auto v = check(R"(
        mov %r1, 0
        mov %r2, %r10
        add %r2, -8
        stdw [%r10-8], 0
        mov %r3, 0
        call 127
        mov %r0, 0
        exit
    )",
                   env);
    expect_reject(v, EINVAL, "cannot call GPL-restricted function from non-GPL compatible program");
    expect_reject(check("mov %r1, 0\nmov %r2, 0\nmov %r3, 0\nmov %r4, 0\ncall 150\n"
                        "mov %r0, 0\nexit",
                        env),
                  EINVAL, "cannot call GPL-restricted function from non-GPL compatible program");
}

TEST_CASE("kernel structs behind BTF pointers need a GPL-compatible license: EINVAL") {
    auto env = elem_env();
    env.gpl_compatible = false;
    expect_reject(check("ldxdw %r1, [%r1+0]\nldxdw %r0, [%r1+8]\nmov %r0, 0\nexit", env), EINVAL,
                  "Cannot access kernel 'struct bpf_iter_meta' from non-GPL compatible program");
}

TEST_CASE("division by a register is accepted (x / 0 is 0), by a zero constant refused") {
    expect_accept(
        check("mov %r0, 7\nldxdw %r2, [%r1+0]\nldxdw %r2, [%r2+8]\ndiv %r0, %r2\n"
              "mod %r0, %r2\nmov %r0, 0\nexit",
              elem_env()));
    expect_reject(check("mov %r0, 7\ndiv %r0, 0\nmov %r0, 0\nexit", elem_env()), EINVAL,
                  "div by zero");
}

TEST_CASE("bpf-to-bpf calls: 8 frames at most, 512 stack bytes in all") {
    // main -> f1 -> ... -> fN, each frame using `depth` bytes.
    auto chain = [](int frames, int depth) {
        std::string t;
        for (int f = 0; f < frames; ++f) {
            t += "f" + std::to_string(f) + ":\n";
            t += "stdw [%r10-" + std::to_string(depth) + "], 0\n";
            if (f + 1 < frames) t += "call local f" + std::to_string(f + 1) + "\n";
            t += "mov %r0, 0\nexit\n";
        }
        return t;
    };
    expect_accept(check(chain(8, 8), elem_env()));
    expect_reject(check(chain(9, 8), elem_env()), E2BIG, "the call stack of 9 frames is too deep");
    expect_reject(check(chain(3, 192), elem_env()), EACCES,
                  "combined stack size of 3 calls is 576. Too large");
    expect_accept(check(chain(2, 256), elem_env()));
}

TEST_CASE("stack accesses beyond 512 bytes: EACCES") {
    expect_reject(check("stdw [%r10-520], 0\nmov %r0, 0\nexit", elem_env()), EACCES,
                  "invalid write to stack R10 off=-520 size=8");
    expect_reject(check("stdw [%r10+0], 0\nmov %r0, 0\nexit", elem_env()), EACCES,
                  "invalid write to stack R10 off=0 size=8");
}

TEST_CASE("control flow: unreachable code and jumps out of the program: EINVAL") {
    expect_reject(check("mov %r0, 0\nexit\nmov %r0, 1\nexit", elem_env()), EINVAL,
                  "unreachable insn 2");
}

TEST_CASE("context access by the target's declaration") {
    SECTION("meta, map, key, value are readable 8-byte pointers") {
        expect_accept(
            check("ldxdw %r2, [%r1+0]\nldxdw %r2, [%r1+8]\nldxdw %r2, [%r1+16]\n"
                  "ldxdw %r2, [%r1+24]\nmov %r0, 0\nexit",
                  elem_env()));
    }
    SECTION("past the context, partial pointer reads, writes: EACCES") {
        expect_reject(check("ldxdw %r2, [%r1+32]\nmov %r0, 0\nexit", elem_env()), EACCES,
                      "invalid bpf_context access off=32 size=8");
        expect_reject(check("ldxw %r2, [%r1+8]\nmov %r0, 0\nexit", elem_env()), EACCES,
                      "invalid bpf_context access off=8 size=4");
        expect_reject(check("stdw [%r1+8], 0\nmov %r0, 0\nexit", elem_env()), EACCES,
                      "invalid bpf_context access off=8 size=8");
    }
    SECTION("BTF objects are read-only, within their struct") {
        expect_reject(check("ldxdw %r2, [%r1+0]\nstdw [%r2+8], 0\nmov %r0, 0\nexit", elem_env()),
                      EACCES, "only read is supported");
        expect_reject(
            check("ldxdw %r2, [%r1+0]\nldxdw %r2, [%r2+24]\nmov %r0, 0\nexit", elem_env()), EACCES,
            "access beyond struct bpf_iter_meta at off 24 size 8");
    }
    SECTION("prog->aux->name, without NULL checks for the aux pointer (probe loads)") {
        auto v = check(R"(
            ldxdw %r2, [%r1+8]
            jeq %r2, 0, out
            ldxdw %r3, [%r2+24]
            ldxw %r4, [%r3+0]
        out:
            mov %r0, 0
            exit
        )",
                       prog_env());
        expect_accept(v);
        CHECK(v.probe_loads.size() == 2);
    }
}

TEST_CASE("the log: levels, sizes, ENOSPC") {
    auto env = elem_env();
    SECTION("no log without log_level") {
        env.log_level = 0;
        env.log_size = 0;
        auto v = check("mov %r0, 0\nexit", env);
        CHECK(v.status);
        CHECK(v.log.empty());
    }
    SECTION("a buffer that is too small: ENOSPC, the end of the log kept") {
        env.log_size = 128;
        auto v = check("mov %r0, 0\nmov %r0, 0\nmov %r0, 0\nmov %r0, 0\nmov %r0, 0\nexit", env);
        REQUIRE_FALSE(v.status);
        CHECK(v.status.error().code == ENOSPC);
        CHECK(v.log.size() == 127);
        CHECK(has(v, "mark_read 0\n"));
    }
    SECTION("a buffer without a log level: EINVAL") {
        env.log_level = 0;
        auto v = check("mov %r0, 0\nexit", env);
        REQUIRE_FALSE(v.status);
        CHECK(v.status.error().code == EINVAL);
    }
    SECTION("level 2 shows the register state before each instruction") {
        env.log_level = 2;
        auto v = check("mov %r0, 0\nexit", env);
        CHECK(has(v, "0: R1=ctx R10=fp0\n0: (b7) r0 = 0\n1: R0=0 R1=ctx R10=fp0\n1: (95) exit\n"));
    }
    SECTION("level 1 keeps only the failing path") {
        auto v = check(R"(
            ldxdw %r2, [%r1+16]
            jne %r2, 0, bad
            mov %r0, 0
            exit
        bad:
            stw [%r2+0], 1
            mov %r0, 0
            exit
        )",
                       env);
        REQUIRE_FALSE(v.status);
        CHECK_FALSE(has(v, "2: (b7) r0 = 0"));
        CHECK(has(v, "4: (62) *(u32 *)(r2 +0) = 1"));
    }
}
