// The verifier's main loop (the kernel's do_check): walks every path of the
// program from the first instruction with an abstract state, pushing the
// other side of each undecided branch to explore later, and stops a path
// at its exit or when its state is covered by one already verified.
#include "core/vm/verifier/verifier.h"

#include <algorithm>
#include <cerrno>

#include "core/map.h"
#include "core/vm/verifier/btf_struct.h"
#include "core/vm/verifier/disasm.h"
#include "core/vm/verifier/verifier_env.h"

namespace bpffs::vm::verifier {

ProgramEnv iterator_env_base() {
    ProgramEnv env;
    env.kind = ProgKind::iterator;
    CtxSlot meta;
    meta.name = "meta";
    meta.offset = 0;
    meta.size = 8;
    meta.kind = CtxSlotKind::btf_object;
    meta.nullable = false;
    meta.object = find_btf_struct("bpf_iter_meta");
    env.ctx.push_back(meta);
    env.ctx_size = 8;
    return env;
}

Verifier::Verifier(std::span<const Insn> insns, const ProgramEnv &env)
    : insns_(insns), env_(env), log_(env.log_level, env.log_size) {
    map_at_.assign(insns.size(), nullptr);
    for (const MapRef &m : env.maps)
        if (m.index < insns.size()) map_at_[m.index] = &m;
    explored_.resize(insns.size());
    probe_.assign(insns.size(), 0);
}

Error Verifier::err(int code, const std::string &message) {
    log(message + "\n");
    return Error{code, message};
}

std::string Verifier::insn_text(uint32_t idx) const {
    DisasmNames names;
    names.helper = [this](int32_t id) -> std::string {
        if (const HelperProto *p = find_helper_proto(id)) return p->name;
        if (env_.helpers != nullptr)
            if (const HelperInfo *h = env_.helpers->find(id)) return h->name;
        return {};
    };
    names.imm64 = [this](size_t i) -> std::string {
        const MapRef *m = map_at_[i];
        if (m == nullptr || m->map == nullptr) return {};
        std::string s = "map[id:" + std::to_string(m->map->id()) + "]";
        if (m->direct_value) s += "[0]+" + std::to_string(m->value_offset);
        return s;
    };
    const Insn *next = idx + 1 < insns_.size() ? &insns_[idx + 1] : nullptr;
    char head[32];
    std::snprintf(head, sizeof head, "%u: (%02x) ", idx, insns_[idx].code);
    return head + disasm(insns_[idx], next, idx, names);
}

void Verifier::log_state(const FuncState &f, const char *prefix) {
    std::string s = prefix;
    if (f.frameno != 0) s += "frame" + std::to_string(f.frameno) + ": ";
    bool first = true;
    for (int r = 0; r < kRegisterCount; ++r) {
        const RegState &reg = f.regs[r];
        if (reg.type == RegType::not_init) continue;
        if (!first) s += " ";
        first = false;
        s += "R" + std::to_string(r) + "=";
        s += r == kFrameRegister ? "fp0" : reg.describe();
    }
    for (int slot = 0; slot < kStackSize / 8; ++slot) {
        int32_t off = -8 * (slot + 1);
        int b = FuncState::byte_index(off);
        bool any = false;
        for (int i = 0; i < 8; ++i)
            any |= f.stack[b + i] != StackByte::invalid;
        if (!any) continue;
        s += " fp" + std::to_string(off) + "=";
        if (f.is_spill(off)) {
            s += f.spilled[slot].describe();
            continue;
        }
        for (int i = 7; i >= 0; --i) {
            switch (f.stack[b + i]) {
                case StackByte::invalid:
                    s += '?';
                    break;
                case StackByte::misc:
                    s += 'm';
                    break;
                case StackByte::zero:
                    s += '0';
                    break;
                case StackByte::spill:
                    s += 'r';
                    break;
            }
        }
    }
    log(s + "\n");
}

void Verifier::log_insn(const VState &st, uint32_t idx) {
    if (!log_.level1()) return;
    if (log_.level2()) {
        if (prev_idx_ != UINT32_MAX && prev_idx_ + 1 != idx &&
            !(insns_[prev_idx_].code == op::kLddw && prev_idx_ + 2 == idx))
            log("from " + std::to_string(prev_idx_) + " to " + std::to_string(idx) + ":\n");
        log_state(st.cur(), (std::to_string(idx) + ": ").c_str());
    }
    log(insn_text(idx) + "\n");
    prev_idx_ = idx;
}

Status Verifier::reg_readable(const FuncState &f, int regno) const {
    if (f.regs[regno].type == RegType::not_init)
        return tl::unexpected(
            const_cast<Verifier *>(this)->err(EACCES, "R" + std::to_string(regno) + " !read_ok"));
    return ok();
}

Status Verifier::reg_writable(int regno) const {
    if (regno == kFrameRegister)
        return tl::unexpected(
            const_cast<Verifier *>(this)->err(EACCES, "frame pointer is read only"));
    return ok();
}

void Verifier::mark_ptr_or_null(VState &st, uint32_t id, bool is_null) {
    auto fix = [&](RegState &r) {
        if (!r.is_nullable() || r.id != id) return;
        if (is_null) {
            r = RegState::const_scalar(0);
            return;
        }
        switch (r.type) {
            case RegType::ptr_to_map_value_or_null:
                r.type = RegType::ptr_to_map_value;
                break;
            case RegType::ptr_to_buf_or_null:
                r.type = RegType::ptr_to_buf;
                break;
            default:
                r.type = RegType::ptr_to_btf_id;
                break;
        }
        r.id = 0;
    };
    for (FuncState &f : st.frames) {
        for (RegState &r : f.regs)
            fix(r);
        for (int slot = 0; slot < kStackSize / 8; ++slot)
            if (f.is_spill(-8 * (slot + 1))) fix(f.spilled[slot]);
    }
}

void Verifier::push_branch(const VState &st, uint32_t insn) {
    pending_.push_back(st);
    VState &b = pending_.back();
    b.insn = insn;
    b.log_pos = log_.position();
    if (b.parent != nullptr) ++b.parent->branches;
    ++cur_states_;
    peak_states_ = std::max(peak_states_, cur_states_);
}

// A path ended (exit or pruned): its ancestors may now be complete.
void Verifier::finish_path(VState &st) {
    VState *p = st.parent;
    while (p != nullptr) {
        if (--p->branches != 0) break;
        p = p->parent;
    }
    st.parent = nullptr;
}

namespace {

// Iterations of one callback loop explored exactly before the scalars its
// callbacks change in their callers' frames are widened.
constexpr uint32_t kCallbackIterationsBeforeWidening = 8;

// The kernel's verbose_invalid_scalar: the bounds that are known.
std::string invalid_scalar(const char *where, const RegState &r, int lo, int hi) {
    std::string s = std::string(where) + " the register R0 has";
    bool known = false;
    if (r.smin > INT64_MIN) {
        s += " smin=" + std::to_string(r.smin);
        known = true;
    }
    if (r.smax < INT64_MAX) {
        s += " smax=" + std::to_string(r.smax);
        known = true;
    }
    if (!known) s += " unknown scalar value";
    return s + " should have been in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
}

}  // namespace

bool Verifier::is_callback_call(uint32_t idx) const {
    const Insn &in = insns_[idx];
    if (in.code != (op::kJmp | op::kCall) || in.src != op::kCallHelper) return false;
    const HelperProto *p = find_helper_proto(in.imm);
    return p != nullptr && p->callback != CallbackKind::none;
}

// The kernel's widen_imprecise_scalars, for a verifier that keeps every
// scalar precise: after some exact iterations, a scalar spilled in a
// caller's frame that differs from its value when the loop's helper call
// was first reached becomes unknown, so the next iteration is contained in
// this one and pruned. Widening only forgets facts: it cannot make an
// unsafe program pass.
void Verifier::widen_callback_loop(VState &st, uint32_t callsite) const {
    const VState *prev = nullptr;
    for (const VState *p = st.parent; p != nullptr; p = p->parent) {
        if (p->insn == callsite && p->frames.size() == st.frames.size()) {
            prev = p;
            break;
        }
    }
    if (prev == nullptr) return;
    for (size_t k = 0; k < st.frames.size(); ++k) {
        FuncState &cur = st.frames[k];
        const FuncState &old = prev->frames[k];
        for (int slot = 0; slot < kStackSize / 8; ++slot) {
            const int32_t off = -8 * (slot + 1);
            if (!cur.is_spill(off) || !old.is_spill(off)) continue;
            RegState &c = cur.spilled[slot];
            const RegState &o = old.spilled[slot];
            if (!c.is_scalar() || !o.is_scalar()) continue;
            if (c.var_off.value != o.var_off.value || c.var_off.mask != o.var_off.mask ||
                c.smin != o.smin || c.smax != o.smax || c.umin != o.umin || c.umax != o.umax)
                c = RegState::unknown_scalar();
        }
    }
}

// A callback returns 0 or 1 (go on / stop), then control goes back to the
// helper call, which may call it again (prepare_func_exit for callbacks).
Status Verifier::check_callback_exit(VState &st) {
    const RegState &r0 = st.cur().regs[0];
    if (!r0.is_scalar()) return tl::unexpected(err(EACCES, "R0 not a scalar value"));
    if (r0.smin < 0 || r0.smax > 1 || r0.umax > 1)
        return tl::unexpected(err(EINVAL, invalid_scalar("At callback return", r0, 0, 1)));
    const uint32_t callsite = uint32_t(st.cur().callsite);
    st.frames.pop_back();
    FuncState &caller = st.cur();
    ++st.callback_unroll;
    if (++caller.callback_iters > kCallbackIterationsBeforeWidening)
        widen_callback_loop(st, callsite);
    st.insn = callsite;
    return ok();
}

Status Verifier::check_exit(VState &st, bool &path_done) {
    FuncState &f = st.cur();
    if (auto s = reg_readable(f, 0); !s) return s;
    // As the kernel, conservatively: no stack pointer at all, the caller's
    // (valid) included.
    if (st.frames.size() > 1 && f.regs[0].type == RegType::ptr_to_stack)
        return tl::unexpected(err(EINVAL, "cannot return stack pointer to the caller"));
    if (f.in_callback) return check_callback_exit(st);
    if (st.frames.size() > 1) {
        // Return from a bpf-to-bpf call: r0 to the caller, r1..r5 clobbered.
        const RegState &r0 = f.regs[0];
        RegState ret = r0;
        int32_t callsite = f.callsite;
        st.frames.pop_back();
        FuncState &caller = st.cur();
        caller.regs[0] = ret;
        for (int r = 1; r <= 5; ++r)
            caller.regs[r] = RegState{};
        st.insn = uint32_t(callsite + 1);
        return ok();
    }
    const RegState &r0 = f.regs[0];
    if (env_.kind == ProgKind::iterator) {
        if (!r0.is_scalar())
            return tl::unexpected(
                err(EINVAL, "At program exit the register R0 is not a known value (" +
                                std::string(reg_type_name(r0.type, r0.rdonly)) + ")"));
        if (r0.smin < 0 || r0.smax > 1 || r0.umax > 1) {
            std::string range =
                "smin=" + std::to_string(r0.smin) + " smax=" + std::to_string(r0.smax);
            if (r0.is_const())
                range = "smin=" + std::to_string(r0.smin) + " smax=" + std::to_string(r0.smax);
            return tl::unexpected(err(EINVAL, "At program exit the register R0 has " + range +
                                                  " should have been in [0, 1]"));
        }
    } else if (r0.is_pointer() && !leaks_allowed()) {
        return tl::unexpected(err(EACCES, "R0 leaks addr as return value"));
    }
    path_done = true;
    return ok();
}

Status Verifier::step(VState &st, bool &path_done) {
    const uint32_t idx = st.insn;
    const Insn &in = insns_[idx];
    switch (insn_class(in.code)) {
        case op::kAlu:
        case op::kAlu64:
            if (auto s = check_alu(st, in); !s) return s;
            st.insn = idx + 1;
            return ok();
        case op::kLdx:
            if (auto s = check_load(st, in, idx); !s) return s;
            st.insn = idx + 1;
            return ok();
        case op::kSt:
        case op::kStx:
            if (mem_mode(in.code) == op::kAtomic) {
                if (auto s = check_atomic(st, in); !s) return s;
            } else if (auto s = check_store(st, in); !s) {
                return s;
            }
            st.insn = idx + 1;
            return ok();
        case op::kLd:
            if (auto s = check_lddw(st, idx); !s) return s;
            st.insn = idx + 2;
            return ok();
        default:
            break;
    }
    // Jumps.
    const uint8_t jop = jmp_op(in.code);
    if (jop == op::kExit) return check_exit(st, path_done);
    if (jop == op::kCall) {
        if (in.src == op::kCallLocal) return check_local_call(st, idx);
        if (auto s = check_helper_call(st, in, idx); !s) return s;
        st.insn = idx + 1;
        return ok();
    }
    if (jop == op::kJa) {
        st.insn =
            uint32_t(int64_t(idx) + 1 + (insn_class(in.code) == op::kJmp32 ? in.imm : in.off));
        return ok();
    }
    bool fall_only = false, jump_only = false;
    if (auto s = check_cond_jmp(st, in, idx, fall_only, jump_only); !s) return s;
    return ok();
}

Status Verifier::do_check() {
    VState cur;
    cur.frames.resize(1);
    FuncState &f = cur.cur();
    f.regs[1] = RegState::pointer(RegType::ptr_to_ctx);
    f.regs[kFrameRegister] = RegState::pointer(RegType::ptr_to_stack);
    cur.insn = 0;
    cur_states_ = 1;
    peak_states_ = 1;
    if (log_.level2()) log_state(f, "0: ");
    prev_idx_ = UINT32_MAX;
    for (;;) {
        const uint32_t idx = cur.insn;
        if (++processed_ > kMaxProcessedInsns)
            return tl::unexpected(err(E2BIG, "BPF program is too large. Processed " +
                                                 std::to_string(processed_) + " insn"));
        bool path_done = false;
        if (prune_point_[idx]) {
            auto visited = is_state_visited(cur, idx);
            if (!visited) return tl::unexpected(visited.error());
            if (*visited) {
                if (log_.level1()) {
                    if (log_.level2())
                        log("from " + std::to_string(prev_idx_) + " to " + std::to_string(idx) +
                            ": safe\n");
                    else
                        log(std::to_string(idx) + ": safe\n");
                }
                path_done = true;
            }
        }
        if (!path_done) {
            log_insn(cur, idx);
            if (auto s = step(cur, path_done); !s) {
                if (log_.level1() && !log_.level2()) log_state(cur.cur(), "");
                std::string text = s.error().message;
                return fail(s.error().code,
                            "insn " + std::to_string(idx) + " (" +
                                insn_text(idx).substr(insn_text(idx).find(')') + 2) + "): " + text);
            }
            if (!path_done) continue;
        }
        finish_path(cur);
        --cur_states_;
        if (pending_.empty()) return ok();
        cur = std::move(pending_.back());
        pending_.pop_back();
        if (!log_.level2())
            log_.reset_to(cur.log_pos);
        else
            log("from " + std::to_string(prev_idx_) + " to " + std::to_string(cur.insn) + ":\n");
        prev_idx_ = cur.insn;
        if (log_.level2()) log_state(cur.cur(), (std::to_string(cur.insn) + ": ").c_str());
    }
}

Verdict Verifier::run() {
    Verdict v;
    Status status = ok();
    if (env_.log_level & ~kLogLevelMask)
        status = fail(EINVAL, "log_level " + std::to_string(env_.log_level) + " is invalid");
    else if (env_.log_size != 0 && env_.log_level == 0)
        status = fail(EINVAL, "a log buffer needs a log_level");
    else if (env_.log_size > (UINT32_MAX >> 2))
        status = fail(EINVAL, "log_size " + std::to_string(env_.log_size) + " is too large");
    if (status) status = check_cfg();
    if (status) status = do_check();
    if (status) status = check_stack_depths();
    uint32_t max_per_insn = 0;
    for (const auto &list : explored_)
        max_per_insn = std::max(max_per_insn, uint32_t(list.size()));
    if (processed_ > 0) {
        char line[200];
        std::snprintf(line, sizeof line,
                      "processed %u insns (limit %u) max_states_per_insn %u total_states %u "
                      "peak_states %u mark_read 0\n",
                      std::min(processed_, kMaxProcessedInsns), kMaxProcessedInsns, max_per_insn,
                      total_states_, peak_states_);
        log(line);
    }
    v.processed_insns = std::min(processed_, kMaxProcessedInsns);
    v.total_states = total_states_;
    v.peak_states = peak_states_;
    v.max_states_per_insn = max_per_insn;
    v.max_rdonly_access = max_rdonly_;
    v.max_rdwr_access = max_rdwr_;
    for (uint32_t i = 0; i < probe_.size(); ++i)
        if (probe_[i]) v.probe_loads.push_back(i);
    for (const Subprog &s : subprogs_)
        v.stack_depths.push_back(s.stack_depth);
    v.log = log_.contents();
    v.log_true_size = uint32_t(std::min<uint64_t>(log_.true_size(), UINT32_MAX));
    // As the kernel: a log that did not fit fails the load, whatever the verdict.
    if (log_.truncated())
        status = fail(ENOSPC, "the verifier log did not fit in log_size " +
                                  std::to_string(env_.log_size) + " bytes (it needs " +
                                  std::to_string(log_.true_size()) + ")");
    v.status = status;
    return v;
}

Verdict verify(std::span<const Insn> insns, const ProgramEnv &env) {
    Verifier verifier(insns, env);
    return verifier.run();
}

}  // namespace bpffs::vm::verifier
