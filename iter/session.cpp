#include "iter/session.h"

#include <atomic>
#include <cerrno>

namespace bpffs {

namespace {

// One counter for every target and every session, like the kernel's
// global session_id: the first session gets 1 (spec 1.9).
uint64_t take_session_id() {
    static std::atomic<uint64_t> last{0};
    return last.fetch_add(1, std::memory_order_relaxed) + 1;
}

}  // namespace

IterSession::IterSession(std::shared_ptr<const IterTarget> target, IterAux aux,
                         std::shared_ptr<IterProgram> program, std::unique_ptr<IterState> state)
    : target_(std::move(target)),
      aux_(std::move(aux)),
      program_(std::move(program)),
      state_(std::move(state)) {}

Result<std::unique_ptr<IterSession>> IterSession::open(std::shared_ptr<const IterTarget> target,
                                                       IterAux aux,
                                                       std::shared_ptr<IterProgram> program) {
    if (!target) return fail(EINVAL, "an iterator session needs a target");
    if (auto st = target->validate(); !st) return tl::unexpected(st.error());
    if (!program)
        return fail(EINVAL, "an iterator session on " + target->name + " needs a program");
    std::unique_ptr<IterState> state;
    if (target->init) {
        auto made = target->init(aux);
        if (!made) return tl::unexpected(made.error());
        state = std::move(*made);
    }
    std::unique_ptr<IterSession> session(
        new IterSession(std::move(target), std::move(aux), std::move(program), std::move(state)));
    session->session_id_ = take_session_id();
    return session;
}

int IterSession::run_program(const void *ctx) {
    // Any non-zero result means "retry this object later" (spec 1.7).
    return program_->run(ctx) == 0 ? 0 : -EAGAIN;
}

int IterSession::run_program(const void *ctx, std::span<const IterMemory> memory) {
    auto r0 = program_->run_in(ctx, *this, memory);
    if (!r0) {
        if (!first_fault_) first_fault_ = r0.error();
        return -EFAULT;
    }
    return *r0 == 0 ? 0 : -EAGAIN;
}

IterMeta IterSession::meta() {
    IterMeta m{};
    m.seq = &seq_;
    m.session_id = session_id_;
    m.seq_num = seq_num_;
    return m;
}

}  // namespace bpffs
