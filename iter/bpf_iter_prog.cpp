#include "iter/bpf_iter_prog.h"

#include <spdlog/spdlog.h>

#include <cerrno>

#include "core/rcu.h"
#include "core/vm/interpreter.h"
#include "iter/meta.h"
#include "iter/session.h"

namespace bpffs {
namespace {

// One run context per thread: runs allocate nothing, and iterator
// programs never run nested on one thread.
vm::RunContext &thread_run_context() {
    thread_local auto ctx = std::make_unique<vm::RunContext>();
    return *ctx;
}

// The meta pointer is the context's first slot (struct bpf_iter_meta *).
const IterMeta *meta_of(const void *ctx) {
    return *static_cast<const IterMeta *const *>(ctx);
}

}  // namespace

BpfIterProgram::BpfIterProgram(std::shared_ptr<const vm::Program> program, bool sleepable)
    : program_(std::move(program)), sleepable_(sleepable) {}

std::optional<IterBufferAccess> BpfIterProgram::buffer_access() const {
    const auto &facts = program_->verified();
    if (!facts.verified) return std::nullopt;
    return IterBufferAccess{facts.max_rdonly_access, facts.max_rdwr_access};
}

uint64_t BpfIterProgram::run(const void *ctx) {
    // Without a session the context size is unknown: only the meta slot.
    auto r0 = execute(ctx, sizeof(void *), nullptr, {});
    return r0 ? *r0 : 1;
}

Result<uint64_t> BpfIterProgram::run_in(const void *ctx, IterSession &session,
                                        std::span<const IterMemory> memory) {
    auto r0 = execute(ctx, session.target().ctx.size(), &session, memory);
    if (!r0 && !session.first_fault()) {
        spdlog::warn(
            "iterator session {} on {}: the program stopped: {} (further faults of this "
            "session are not logged)",
            session.session_id(), session.target().name, r0.error().message);
    }
    return r0;
}

Result<uint64_t> BpfIterProgram::execute(const void *ctx, size_t ctx_size, IterSession *session,
                                         std::span<const IterMemory> memory) {
    // Values the program looks up stay its own for the run (nested in the
    // read's section when a read runs it).
    rcu::ReadLock elements_held;
    vm::RunContext &rc = thread_run_context();
    rc.clear_regions();
    rc.user = session;
    rc.add_region(ctx, ctx_size, false);
    if (const IterMeta *meta = meta_of(ctx)) rc.add_region(meta, sizeof(IterMeta), false);
    for (const IterMemory &m : memory)
        if (m.ptr != nullptr && m.len != 0) rc.add_region(m.ptr, m.len, m.writable);
    vm::RunArgs args;
    args.r[0] = reinterpret_cast<uintptr_t>(ctx);
    auto r0 = vm::Interpreter::instance().run(*program_, rc, args);
    rc.user = nullptr;
    rc.clear_regions();
    if (!r0) return fail(EFAULT, r0.error().message);
    return *r0;
}

}  // namespace bpffs
