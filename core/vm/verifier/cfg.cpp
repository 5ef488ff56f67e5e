// Control-flow checks before abstract interpretation (the kernel's
// check_subprogs and check_cfg): sub-program boundaries, jumps that stay
// inside their sub-program, every instruction reachable, no recursion and
// at most kMaxFrames nested calls; then the facts the main loop uses:
// prune points and register liveness.
#include <algorithm>
#include <cerrno>
#include <functional>

#include "core/vm/verifier/verifier_env.h"

namespace bpffs::vm::verifier {
namespace {

bool is_local_call(const Insn &in) {
    return in.code == (op::kJmp | op::kCall) && in.src == op::kCallLocal;
}
// A function's address (LDDW src 4): its target is a sub-program, entered
// as a callback on a new frame, so it counts as a call.
bool is_func_addr(const Insn &in) {
    return in.code == op::kLddw && in.src == op::kPseudoFunc;
}
bool is_exit(const Insn &in) {
    return in.code == (op::kJmp | op::kExit);
}
bool is_ja(const Insn &in) {
    return is_jmp(in.code) && jmp_op(in.code) == op::kJa;
}
bool is_cond_jmp(const Insn &in) {
    return is_jmp(in.code) && !is_ja(in) && jmp_op(in.code) != op::kCall &&
           jmp_op(in.code) != op::kExit;
}
int64_t jump_target(const Insn &in, uint32_t idx) {
    if (is_ja(in) && insn_class(in.code) == op::kJmp32) return int64_t(idx) + 1 + in.imm;
    return int64_t(idx) + 1 + in.off;
}

}  // namespace

uint32_t Verifier::subprog_of(uint32_t insn) const {
    auto it = std::upper_bound(subprogs_.begin(), subprogs_.end(), insn,
                               [](uint32_t i, const Subprog &s) { return i < s.start; });
    return uint32_t(it - subprogs_.begin()) - 1;
}

Status Verifier::find_subprogs() {
    std::vector<uint32_t> starts = {0};
    const int64_t n = int64_t(insns_.size());
    for (uint32_t i = 0; i < insns_.size(); ++i) {
        if (!is_local_call(insns_[i]) && !is_func_addr(insns_[i])) continue;
        int64_t t = int64_t(i) + 1 + insns_[i].imm;
        if (t < 0 || t >= n) return tl::unexpected(err(EINVAL, "call to invalid destination"));
        starts.push_back(uint32_t(t));
    }
    std::sort(starts.begin(), starts.end());
    starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
    for (size_t k = 0; k < starts.size(); ++k) {
        Subprog s;
        s.start = starts[k];
        s.end = k + 1 < starts.size() ? starts[k + 1] : uint32_t(insns_.size());
        subprogs_.push_back(s);
    }
    for (const Subprog &s : subprogs_) {
        for (uint32_t i = s.start; i < s.end; ++i) {
            const Insn &in = insns_[i];
            if (in.code == op::kLddw) {
                ++i;
                continue;
            }
            if (!is_jmp(in.code) || jmp_op(in.code) == op::kCall || is_exit(in)) continue;
            int64_t t = jump_target(in, i);
            if (t < s.start || t >= s.end)
                return tl::unexpected(err(EINVAL, "jump out of range from insn " +
                                                      std::to_string(i) + " to " +
                                                      std::to_string(t)));
        }
        uint32_t last = s.end - 1;
        if (!is_exit(insns_[last]) && !is_ja(insns_[last]))
            return tl::unexpected(err(EINVAL, "last insn is not an exit or jmp"));
    }
    return ok();
}

Status Verifier::check_reachability() {
    const size_t n = insns_.size();
    std::vector<uint8_t> seen(n, 0);
    std::vector<uint32_t> work = {0};
    prune_point_.assign(n, 0);
    // Call graph: which sub-programs each sub-program calls, for recursion and depth.
    std::vector<std::vector<uint32_t>> calls(subprogs_.size());
    while (!work.empty()) {
        uint32_t i = work.back();
        work.pop_back();
        if (i >= n || seen[i]) continue;
        seen[i] = 1;
        const Insn &in = insns_[i];
        if (in.code == op::kLddw) {
            if (i + 1 < n) seen[i + 1] = 1;
            work.push_back(i + 2);
            if (is_func_addr(in)) {
                uint32_t t = uint32_t(int64_t(i) + 1 + in.imm);
                calls[subprog_of(i)].push_back(subprog_of(t));
                prune_point_[t] = 1;
                work.push_back(t);
            }
            continue;
        }
        if (is_exit(in)) continue;
        // A callback returns to the helper call that called it.
        if (is_callback_call(i)) prune_point_[i] = 1;
        if (is_local_call(in)) {
            uint32_t t = uint32_t(int64_t(i) + 1 + in.imm);
            calls[subprog_of(i)].push_back(subprog_of(t));
            prune_point_[t] = 1;
            prune_point_[i + 1] = 1;
            work.push_back(t);
            work.push_back(i + 1);
            continue;
        }
        if (is_ja(in)) {
            uint32_t t = uint32_t(jump_target(in, i));
            prune_point_[t] = 1;
            work.push_back(t);
            continue;
        }
        if (is_cond_jmp(in)) {
            uint32_t t = uint32_t(jump_target(in, i));
            prune_point_[t] = 1;
            prune_point_[i + 1] = 1;
            work.push_back(t);
        }
        work.push_back(i + 1);
    }
    for (uint32_t i = 0; i < n; ++i)
        if (!seen[i]) return tl::unexpected(err(EINVAL, "unreachable insn " + std::to_string(i)));

    // No recursion, and call chains of at most kMaxFrames frames.
    std::vector<int> state(subprogs_.size(), 0);  // 0 new, 1 on path, 2 done
    std::vector<uint32_t> depth(subprogs_.size(), 1);
    std::function<Status(uint32_t)> visit = [&](uint32_t s) -> Status {
        state[s] = 1;
        for (uint32_t c : calls[s]) {
            if (state[c] == 1)
                return tl::unexpected(err(EINVAL, "recursive call from subprog " +
                                                      std::to_string(s) + " to " +
                                                      std::to_string(c)));
            if (state[c] == 0)
                if (auto st = visit(c); !st) return st;
            depth[s] = std::max(depth[s], depth[c] + 1);
        }
        state[s] = 2;
        return ok();
    };
    if (auto st = visit(0); !st) return st;
    // Counted as the kernel does, at the first call that needs one frame too many.
    if (depth[0] > uint32_t(kMaxFrames))
        return tl::unexpected(err(
            E2BIG, "the call stack of " + std::to_string(kMaxFrames + 1) + " frames is too deep"));
    return ok();
}

// Registers read before being written, from each instruction on (a
// backward fixed point over the CFG). Dead registers are ignored when
// comparing states, which is what lets pruning work on real programs.
void Verifier::compute_liveness() {
    const size_t n = insns_.size();
    std::vector<uint16_t> use(n, 0), def(n, 0);
    constexpr uint16_t kArgs = 0x3e, kCallerSaved = 0x3f;
    for (size_t i = 0; i < n; ++i) {
        const Insn &in = insns_[i];
        uint16_t d = uint16_t(1u << in.dst), s = uint16_t(1u << in.src);
        switch (insn_class(in.code)) {
            case op::kAlu:
            case op::kAlu64: {
                bool mov = alu_op(in.code) == op::kMov;
                use[i] = uint16_t((mov ? 0 : d) | (uses_reg_source(in.code) ? s : 0));
                if (alu_op(in.code) == op::kNeg || alu_op(in.code) == op::kEnd) use[i] = d;
                def[i] = d;
                break;
            }
            case op::kLdx:
                use[i] = s;
                def[i] = d;
                break;
            case op::kSt:
                use[i] = d;
                break;
            case op::kStx:
                use[i] = uint16_t(d | s);
                if (mem_mode(in.code) == op::kAtomic) {
                    if (in.imm == op::kCmpxchg) {
                        use[i] |= 1;
                        def[i] = 1;
                    } else if (in.imm & op::kFetch) {
                        def[i] = s;
                    }
                }
                break;
            case op::kLd:
                if (in.code == op::kLddw) def[i] = d;
                break;
            default: {
                if (is_exit(in)) {
                    use[i] = 1;
                } else if (jmp_op(in.code) == op::kCall) {
                    use[i] = kArgs;
                    def[i] = kCallerSaved;
                } else if (is_cond_jmp(in)) {
                    use[i] = uint16_t(d | (uses_reg_source(in.code) ? s : 0));
                }
                break;
            }
        }
    }
    live_regs_.assign(n, 0);
    bool changed = true;
    while (changed) {
        changed = false;
        for (size_t k = n; k-- > 0;) {
            const Insn &in = insns_[k];
            if (k > 0 && insns_[k - 1].code == op::kLddw) continue;  // second half
            uint16_t out = 0;
            auto succ = [&](int64_t t) {
                if (t >= 0 && size_t(t) < n) out |= live_regs_[size_t(t)];
            };
            if (in.code == op::kLddw) {
                succ(int64_t(k) + 2);
            } else if (is_exit(in)) {
            } else if (is_ja(in)) {
                succ(jump_target(in, uint32_t(k)));
            } else if (is_cond_jmp(in)) {
                succ(jump_target(in, uint32_t(k)));
                succ(int64_t(k) + 1);
            } else {
                succ(int64_t(k) + 1);
            }
            uint16_t in_set = uint16_t(use[k] | (out & ~def[k]));
            if (is_local_call(in)) {
                // The callee's own reads of r1..r5 count as reads here.
                int64_t t = int64_t(k) + 1 + in.imm;
                in_set |= uint16_t(live_regs_[size_t(t)] & kArgs);
            }
            if (in_set != live_regs_[k]) {
                live_regs_[k] = in_set;
                changed = true;
            }
        }
    }
}

Status Verifier::check_stack_depths() {
    // Each frame is charged its depth rounded up to 32 bytes (at least 32),
    // and every chain of calls must fit in kStackSize bytes together.
    auto charged = [&](uint32_t s) {
        return (std::max<uint32_t>(subprogs_[s].stack_depth, 1) + 31) / 32 * 32;
    };
    std::vector<std::vector<uint32_t>> calls(subprogs_.size());
    for (uint32_t i = 0; i < insns_.size(); ++i)
        if (is_local_call(insns_[i]) || is_func_addr(insns_[i]))
            calls[subprog_of(i)].push_back(subprog_of(uint32_t(int64_t(i) + 1 + insns_[i].imm)));
    std::function<uint32_t(uint32_t, uint32_t &)> deepest = [&](uint32_t s, uint32_t &frames) {
        uint32_t best = 0, best_frames = 0;
        for (uint32_t c : calls[s]) {
            uint32_t f = 0;
            uint32_t d = deepest(c, f);
            if (d > best) {
                best = d;
                best_frames = f;
            }
        }
        frames = best_frames + 1;
        return charged(s) + best;
    };
    uint32_t frames = 0;
    uint32_t total = deepest(0, frames);
    if (total > uint32_t(kStackSize))
        return tl::unexpected(err(EACCES, "combined stack size of " + std::to_string(frames) +
                                              " calls is " + std::to_string(total) +
                                              ". Too large"));
    return ok();
}

Status Verifier::check_cfg() {
    if (auto st = find_subprogs(); !st) return st;
    if (auto st = check_reachability(); !st) return st;
    compute_liveness();
    return ok();
}

}  // namespace bpffs::vm::verifier
