// Shared by the VM unit tests: assemble, load and run a program in one call.
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/vm/assembler.h"
#include "core/vm/interpreter.h"
#include "core/vm/program.h"

namespace vmtest {

using namespace bpffs;
using namespace bpffs::vm;

inline Program load_asm(const std::string &text, LoadOptions options = {}) {
    auto insns = assemble(text);
    INFO(text);
    REQUIRE(insns.has_value());
    auto prog = Program::load(*insns, options);
    if (!prog) FAIL("load failed: " << prog.error().message);
    return std::move(*prog);
}

// Runs in checked mode with mem as r1 (writable region) and its size as r2.
inline Result<uint64_t> run_asm(const std::string &text, std::vector<uint8_t> *mem = nullptr,
                                bool checked = true) {
    LoadOptions options;
    options.checked = checked;
    Program prog = load_asm(text, options);
    RunContext ctx;
    RunArgs args;
    if (mem != nullptr) {
        ctx.add_region(mem->data(), mem->size(), true);
        args.r[0] = reinterpret_cast<uint64_t>(mem->data());
        args.r[1] = mem->size();
    }
    return Interpreter::instance().run(prog, ctx, args);
}

// r0 of a run that must succeed, in both checked and unchecked modes.
inline uint64_t r0_of(const std::string &text) {
    auto checked = run_asm(text, nullptr, true);
    INFO(text);
    if (!checked) FAIL("run failed: " << checked.error().message);
    auto unchecked = run_asm(text, nullptr, false);
    REQUIRE(unchecked.has_value());
    CHECK(*unchecked == *checked);
    return *checked;
}

}  // namespace vmtest
