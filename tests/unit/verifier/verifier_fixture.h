// Helpers of the verifier tests: environments for the built-in iterator
// targets and a socket filter, maps, and verification of assembled text.
#pragma once

#include <linux/bpf.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "core/map.h"
#include "core/vm/assembler.h"
#include "core/vm/verifier/verifier.h"
#include "iter/builtin_targets.h"
#include "iter/seq_helpers.h"
#include "iter/verifier_ctx.h"

namespace vtest {

using namespace bpffs;
using namespace bpffs::vm::verifier;

inline ProgramEnv elem_env(bool privileged = true) {
    ProgramEnv env = iter_program_env(*make_bpf_map_elem_target());
    env.helpers = &iter_helper_table();
    env.gpl_compatible = true;
    env.privileged = privileged;
    env.log_level = 1;
    env.log_size = 1 << 20;
    return env;
}

inline ProgramEnv prog_env(bool privileged = true) {
    ProgramEnv env = iter_program_env(*make_bpf_prog_target());
    env.helpers = &iter_helper_table();
    env.gpl_compatible = true;
    env.privileged = privileged;
    env.log_level = 1;
    env.log_size = 1 << 20;
    return env;
}

inline std::shared_ptr<Map> make_map(uint32_t type, uint32_t key_size, uint32_t value_size,
                                     uint32_t flags = 0) {
    MapSpec spec;
    spec.map_type = type;
    spec.key_size = key_size;
    spec.value_size = value_size;
    spec.max_entries = 4;
    spec.map_flags = flags;
    spec.name = "m";
    auto m = Map::create(spec, 2);
    REQUIRE(m);
    return *m;
}

inline std::vector<vm::Insn> assemble(const std::string &text) {
    auto insns = vm::assemble(text);
    INFO(text);
    REQUIRE(insns);
    return *insns;
}

// Verifies text; maps name the maps of "ld_map_fd %rN, K" (K indexes maps).
inline Verdict check(const std::string &text, ProgramEnv env,
                     const std::vector<std::shared_ptr<Map>> &maps = {}) {
    auto insns = assemble(text);
    for (size_t i = 0; i < insns.size(); ++i) {
        const vm::Insn &in = insns[i];
        if (in.code != vm::op::kLddw || in.src == 0 || in.src == vm::op::kPseudoFunc) continue;
        MapRef ref;
        ref.index = i;
        REQUIRE(size_t(in.imm) < maps.size());
        ref.map = maps[size_t(in.imm)].get();
        ref.direct_value = in.src == vm::op::kPseudoMapValue;
        ref.value_offset = uint32_t(insns[i + 1].imm);
        env.maps.push_back(ref);
        ++i;
    }
    return verify(insns, env);
}

inline bool has(const Verdict &v, const std::string &line) {
    return v.log.find(line) != std::string::npos;
}

// A refusal with this errno whose log has this line.
inline void expect_reject(const Verdict &v, int code, const std::string &line) {
    INFO(v.log);
    REQUIRE_FALSE(v.status);
    CHECK(v.status.error().code == code);
    CHECK(has(v, line));
}

// An acceptance, with the kernel's closing statistics line.
inline void expect_accept(const Verdict &v) {
    INFO(v.log);
    REQUIRE(v.status);
    CHECK(has(v, "processed "));
}

}  // namespace vtest
