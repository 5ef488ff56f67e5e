// The verifier's working state (internal): the program, its control-flow
// facts, the current abstract state, the states to explore and the
// explored ones used for pruning. The checks are spread over files by
// concern (cfg.cpp, check_alu.cpp, check_mem.cpp, check_call.cpp,
// check_jmp.cpp, prune.cpp) and driven by verifier.cpp.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/vm/verifier/helper_protos.h"
#include "core/vm/verifier/stack_state.h"
#include "core/vm/verifier/verifier.h"
#include "core/vm/verifier/verifier_log.h"

namespace bpffs::vm::verifier {

// A register as the kernel's messages name it: "R3".
inline std::string R(int regno) {
    return "R" + std::to_string(regno);
}

inline constexpr uint32_t kMaxProcessedInsns = 1'000'000;  // BPF_COMPLEXITY_LIMIT_INSNS
inline constexpr size_t kMaxPendingStates = 8192;          // BPF_COMPLEXITY_LIMIT_JMP_SEQ
inline constexpr size_t kMaxStatesPerInsn = 64;

// One path's abstract state: the frames of the calls in progress.
struct VState {
    std::vector<FuncState> frames;
    // The explored state this path descends from, and (for explored
    // states) how many unfinished paths descend from it: a state may only
    // prune others once everything below it was verified.
    VState *parent = nullptr;
    uint32_t branches = 0;
    uint32_t insn = 0;
    uint64_t log_pos = 0;  // where the log stood when this branch was pushed
    // Callback calls that returned on this path: a state met again with a
    // different count is the next iteration of a callback loop, which the
    // helper bounds, not an infinite loop (the kernel's callback_unroll_depth).
    uint32_t callback_unroll = 0;

    FuncState &cur() { return frames.back(); }
    const FuncState &cur() const { return frames.back(); }
};

struct Subprog {
    uint32_t start = 0;
    uint32_t end = 0;  // one past the last instruction
    uint32_t stack_depth = 0;
};

class Verifier {
  public:
    Verifier(std::span<const Insn> insns, const ProgramEnv &env);
    Verdict run();

  private:
    // ---- cfg.cpp: structure before abstract interpretation ----
    Status check_cfg();
    Status find_subprogs();
    Status check_reachability();
    void compute_liveness();
    Status check_stack_depths();
    uint32_t subprog_of(uint32_t insn) const;

    // ---- verifier.cpp: the main loop ----
    Status do_check();
    Status step(VState &st, bool &path_done);
    Status check_exit(VState &st, bool &path_done);
    void push_branch(const VState &st, uint32_t insn);
    void finish_path(VState &st);
    Status check_callback_exit(VState &st);
    void log_insn(const VState &st, uint32_t idx);
    void log_state(const FuncState &f, const char *prefix);
    std::string insn_text(uint32_t idx) const;

    // ---- check_alu.cpp ----
    Status check_alu(VState &st, const Insn &in);
    Status check_lddw(VState &st, uint32_t idx);
    Status pointer_alu(VState &st, const Insn &in, RegState &dst, const RegState &src,
                       bool dst_is_ptr);

    // ---- check_mem.cpp ----
    Status check_load(VState &st, const Insn &in, uint32_t idx);
    Status check_store(VState &st, const Insn &in);
    Status check_atomic(VState &st, const Insn &in);
    // Checks an access of size bytes at reg + off; for reads, out receives
    // the loaded value (when value_out is not null).
    Status check_mem_access(VState &st, int regno, int32_t off, int size, bool write,
                            RegState *value_out, const RegState *stored, bool sign_extend,
                            uint32_t idx);
    Status check_stack_access(VState &st, const RegState &ptr, int regno, int32_t off, int size,
                              bool write, RegState *value_out, const RegState *stored);
    Status check_ctx_access(const RegState &ptr, int regno, int32_t off, int size, bool write,
                            RegState *value_out);
    Status check_map_value_access(const RegState &ptr, int regno, int32_t off, int size,
                                  bool write);
    Status check_map_key_access(const RegState &ptr, int regno, int32_t off, int size, bool write);
    Status check_buf_access(const RegState &ptr, int regno, int32_t off, int size, bool write);
    Status check_btf_access(const RegState &ptr, int regno, int32_t off, int size, bool write,
                            RegState *value_out, uint32_t idx);
    // Memory given to a helper: size_reg's range bounds the size.
    Status check_helper_mem(VState &st, int regno, uint64_t size, bool zero_ok, bool write);

    // ---- check_call.cpp ----
    Status check_helper_call(VState &st, const Insn &in, uint32_t idx);
    Status check_local_call(VState &st, uint32_t idx);
    // A helper taking a callback: the callback's first call, from the state
    // before the helper call, is explored as a branch.
    Status push_callback(VState &st, const HelperProto &proto, uint32_t idx);
    // A callback returns to its helper call: it may be called again.
    Status callback_return(VState &st);
    // Scalars the callbacks keep changing in their callers' stacks are
    // widened so that the iterations converge.
    void widen_callback_loop(VState &st, uint32_t callsite) const;
    bool is_callback_call(uint32_t idx) const;
    Status check_helper_arg(VState &st, const HelperProto &proto, int arg, const Map *&map);

    // ---- check_jmp.cpp ----
    Status check_cond_jmp(VState &st, const Insn &in, uint32_t idx, bool &fallthrough_only,
                          bool &jump_only);

    // ---- prune.cpp ----
    // True when st is covered by an explored state (the path can stop here).
    Result<bool> is_state_visited(VState &st, uint32_t idx);
    bool states_equal(const VState &old_st, const VState &cur, bool exact) const;

    // ---- helpers ----
    Status reg_readable(const FuncState &f, int regno) const;
    Status reg_writable(int regno) const;
    void mark_reg_unknown(FuncState &f, int regno) { f.regs[regno] = RegState::unknown_scalar(); }
    void mark_ptr_or_null(VState &st, uint32_t id, bool is_null);
    bool leaks_allowed() const { return env_.privileged; }
    uint32_t new_id() { return ++id_gen_; }

    Error err(int code, const std::string &message);
    void log(const std::string &text) { log_.append(text); }

    std::span<const Insn> insns_;
    const ProgramEnv &env_;
    VerifierLog log_;
    std::vector<Subprog> subprogs_;
    std::vector<uint8_t> prune_point_;
    std::vector<uint16_t> live_regs_;  // registers read before written from each insn on
    std::vector<const MapRef *> map_at_;
    std::vector<std::vector<std::unique_ptr<VState>>> explored_;
    std::vector<VState> pending_;
    uint32_t id_gen_ = 0;
    uint32_t processed_ = 0;
    uint32_t total_states_ = 0;
    uint32_t cur_states_ = 0;
    uint32_t peak_states_ = 0;
    uint32_t max_rdonly_ = 0;
    uint32_t max_rdwr_ = 0;
    std::vector<uint8_t> probe_;
    uint32_t prev_idx_ = UINT32_MAX;  // to print "from X to Y" on branch switches
};

}  // namespace bpffs::vm::verifier
