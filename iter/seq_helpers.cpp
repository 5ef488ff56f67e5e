#include "iter/seq_helpers.h"

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "core/vm/run_context.h"
#include "iter/seq_file.h"
#include "iter/seq_format.h"
#include "iter/session.h"

namespace bpffs {
namespace {

uint64_t neg(int err) {
    return static_cast<uint64_t>(-static_cast<int64_t>(err));
}

// The session's SeqFile if seq is the one its program was given; nullptr
// (after faulting a checked run) otherwise.
SeqFile *session_seq(uint64_t seq, vm::RunContext &ctx, const char *helper) {
    auto *session = static_cast<IterSession *>(ctx.user);
    if (session == nullptr) {
        ctx.fault(EINVAL, std::string(helper) + " called outside an iterator session");
        return nullptr;
    }
    SeqFile *own = &session->seq();
    if (ctx.checked() && seq != reinterpret_cast<uintptr_t>(own)) {
        ctx.fault(EFAULT,
                  std::string(helper) + ": the seq argument is not this session's seq_file");
        return nullptr;
    }
    return own;
}

bool readable(vm::RunContext &ctx, uint64_t addr, size_t len) {
    return !ctx.checked() || ctx.allows(addr, len, false);
}

SeqFormatMemory program_memory(vm::RunContext &ctx) {
    SeqFormatMemory m;
    m.read_string = [&ctx](uint64_t addr, size_t max, std::string &out) {
        if (addr == 0 || max == 0) return false;
        size_t limit = ctx.checked() ? std::min(ctx.readable_from(addr), max) : max;
        if (limit == 0) return false;
        const char *s = reinterpret_cast<const char *>(addr);
        size_t n = strnlen(s, limit);
        // The kernel copies at most max - 1 characters and terminates.
        if (n == limit) {
            if (ctx.checked() && limit < max) return false;  // no NUL in readable memory
            n = limit - 1;
        }
        out.assign(s, n);
        return true;
    };
    m.read_bytes = [&ctx](uint64_t addr, void *out, size_t len) {
        if (addr == 0 || !readable(ctx, addr, len)) return false;
        std::memcpy(out, reinterpret_cast<const void *>(addr), len);
        return true;
    };
    return m;
}

// bpf_seq_printf(seq, fmt, fmt_size, data, data_len): data holds
// data_len / 8 u64 arguments. 0, -EOVERFLOW when the output did not fit,
// -EINVAL for bad arguments or formats, -ENOSPC for too much string data.
uint64_t seq_printf(uint64_t seq, uint64_t fmt, uint64_t fmt_size, uint64_t data, uint64_t data_len,
                    vm::RunContext &ctx) {
    SeqFile *file = session_seq(seq, ctx, "bpf_seq_printf");
    if (file == nullptr) return 0;
    data_len = uint32_t(data_len);
    fmt_size = uint32_t(fmt_size);
    if (data_len % 8 != 0 || data_len > kSeqPrintfMaxArgs * 8 || (data_len != 0 && data == 0))
        return neg(EINVAL);
    if (fmt_size == 0 || fmt == 0) return neg(EINVAL);
    if (!readable(ctx, fmt, fmt_size)) {
        ctx.fault(EFAULT, "bpf_seq_printf: the format is outside the program's memory");
        return 0;
    }
    if (data_len != 0 && !readable(ctx, data, data_len)) {
        ctx.fault(EFAULT, "bpf_seq_printf: the arguments are outside the program's memory");
        return 0;
    }
    const char *f = reinterpret_cast<const char *>(fmt);
    const void *nul = std::memchr(f, 0, fmt_size);
    if (nul == nullptr) return neg(EINVAL);
    uint64_t args[kSeqPrintfMaxArgs];
    if (data_len != 0) std::memcpy(args, reinterpret_cast<const void *>(data), data_len);
    auto text =
        format_seq_printf(std::string_view(f, static_cast<const char *>(nul) - f),
                          std::span<const uint64_t>(args, data_len / 8), program_memory(ctx));
    if (!text) return neg(text.error().code);
    return neg(-file->write(text->data(), text->size()));
}

// bpf_seq_write(seq, data, len): 0 or -EOVERFLOW.
uint64_t seq_write(uint64_t seq, uint64_t data, uint64_t len, uint64_t, uint64_t,
                   vm::RunContext &ctx) {
    SeqFile *file = session_seq(seq, ctx, "bpf_seq_write");
    if (file == nullptr) return 0;
    len = uint32_t(len);
    if (len != 0 && (data == 0 || !readable(ctx, data, len))) {
        ctx.fault(EFAULT, "bpf_seq_write: the data are outside the program's memory");
        return 0;
    }
    return neg(-file->write(reinterpret_cast<const void *>(data), len));
}

}  // namespace

void register_seq_helpers(vm::HelperTable &table) {
    table.set(helper_id::kSeqPrintf, "bpf_seq_printf", seq_printf);
    table.set(helper_id::kSeqWrite, "bpf_seq_write", seq_write);
}

const vm::HelperTable &iter_helper_table() {
    static const vm::HelperTable table = [] {
        vm::HelperTable t = vm::HelperTable::standard();
        register_seq_helpers(t);
        return t;
    }();
    return table;
}

}  // namespace bpffs
