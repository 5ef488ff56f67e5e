// bpf_probe_read_kernel and bpf_probe_read_kernel_str: copies from memory
// the run may read, -EFAULT with a zeroed destination otherwise (checked and
// unchecked runs), strings cut and counted as strncpy_from_kernel_nofault.
#include <cerrno>
#include <cstring>

#include "core/vm/helpers.h"
#include "vm_test_util.h"

using namespace vmtest;

namespace {

const HelperTable &probe_helpers() {
    static const HelperTable t = [] {
        HelperTable h = HelperTable::standard();
        register_probe_read_helpers(h);
        return h;
    }();
    return t;
}

// Runs text with src (a read-only region in checked runs) as r1.
Result<uint64_t> run_with(const std::string &text, const std::vector<uint8_t> &src, bool checked) {
    LoadOptions options;
    options.helpers = &probe_helpers();
    options.checked = checked;
    Program prog = load_asm(text, options);
    RunContext ctx;
    ctx.add_region(src.data(), src.size(), false);
    RunArgs args;
    args.r[0] = reinterpret_cast<uint64_t>(src.data());
    return Interpreter::instance().run(prog, ctx, args);
}

// probe_read_kernel(fp-8, 8, SRC) then, with result_only, its return value,
// else the 8 bytes read.
std::string read8(const std::string &src_setup, bool result_only) {
    return src_setup + "mov %r1, %r10\nadd %r1, -8\nstdw [%r10-8], -1\nmov %r2, 8\ncall 113\n" +
           (result_only ? "" : "ldxdw %r0, [%r10-8]\n") + "exit";
}

}  // namespace

TEST_CASE("bpf_probe_read_kernel copies readable memory, -EFAULT and zeroes otherwise") {
    std::vector<uint8_t> src = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    for (bool checked : {true, false}) {
        INFO("checked " << checked);
        CHECK(run_with(read8("mov %r3, %r1\n", true), src, checked).value() == 0);
        CHECK(run_with(read8("mov %r3, %r1\n", false), src, checked).value() ==
              0x0807060504030201ull);
        // An address nothing maps: the error, and the destination zeroed.
        CHECK(run_with(read8("lddw %r3, 0x1000\n", true), src, checked).value() ==
              uint64_t(-EFAULT));
        CHECK(run_with(read8("lddw %r3, 0x1000\n", false), src, checked).value() == 0);
    }
    // Checked runs read only what the run was given: 8 bytes from offset 4
    // leave the region.
    CHECK(run_with(read8("mov %r3, %r1\nadd %r3, 4\n", true), src, true).value() ==
          uint64_t(-EFAULT));
    // A destination the program may not write ends a checked run.
    auto bad = run_with("mov %r3, %r1\nmov %r2, 4\ncall 113\nexit", src, true);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == EACCES);
}

TEST_CASE("bpf_probe_read_kernel_str stops after the NUL and cuts at size") {
    std::vector<uint8_t> src = {'h', 'i', 0, 'x', 'a', 'b', 'c', 'd', 'e', 'f'};
    const std::string call = "mov %r1, %r10\nadd %r1, -8\nstdw [%r10-8], -1\ncall 115\n";
    for (bool checked : {true, false}) {
        INFO("checked " << checked);
        // "hi": 3 bytes with the NUL; the bytes after it are left alone (0xff).
        CHECK(run_with("mov %r3, %r1\nmov %r2, 8\n" + call + "exit", src, checked).value() == 3);
        CHECK(
            run_with("mov %r3, %r1\nmov %r2, 8\n" + call + "ldxw %r0, [%r10-8]\nexit", src, checked)
                .value() == 0xff006968u);
        // "abcdef" into 4 bytes: "abc" and a NUL, result 4.
        CHECK(run_with("mov %r3, %r1\nadd %r3, 4\nmov %r2, 4\n" + call + "exit", src, checked)
                  .value() == 4);
        CHECK(run_with("mov %r3, %r1\nadd %r3, 4\nmov %r2, 4\n" + call + "ldxw %r0, [%r10-8]\nexit",
                       src, checked)
                  .value() == 0x00636261u);
        CHECK(run_with("lddw %r3, 0x1000\nmov %r2, 8\n" + call + "exit", src, checked).value() ==
              uint64_t(-EFAULT));
        CHECK(run_with("mov %r3, %r1\nmov %r2, 0\n" + call + "exit", src, checked).value() == 0);
    }
    // Running off the end of the run's memory before a NUL: -EFAULT.
    CHECK(run_with("mov %r3, %r1\nadd %r3, 4\nmov %r2, 8\n" + call + "exit", src, true).value() ==
          uint64_t(-EFAULT));
}
