#include "iter/seq_helpers.h"

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "core/btf/btf.h"
#include "core/btf/btf_show.h"
#include "core/btf/daemon_btf.h"
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

// Memory a helper reads for the program: checked in every mode, since
// format arguments (%s, %pI4...) may be any scalar, which the kernel reads
// without faulting.
bool readable(vm::RunContext &ctx, uint64_t addr, size_t len) {
    return ctx.allows(addr, len, false);
}

SeqFormatMemory program_memory(vm::RunContext &ctx) {
    SeqFormatMemory m;
    m.read_string = [&ctx](uint64_t addr, size_t max, std::string &out) {
        if (addr == 0 || max == 0) return false;
        size_t limit = std::min(ctx.readable_from(addr), max);
        if (limit == 0) return false;
        const char *s = reinterpret_cast<const char *>(addr);
        size_t n = strnlen(s, limit);
        // The kernel copies at most max - 1 characters and terminates.
        if (n == limit) {
            if (limit < max) return false;  // no NUL in readable memory
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

// The daemon's BTF, which plays vmlinux's part: the type ids programs pass
// to bpf_seq_printf_btf come from bpf_core_type_id_kernel() relocated
// against it.
const btf::Btf *daemon_btf() {
    static const auto parsed = btf::Btf::parse(btf::daemon_btf_raw());
    return parsed ? &*parsed : nullptr;
}

// bpf_seq_printf_btf(seq, ptr, ptr_size, flags): writes ptr->ptr as the
// daemon-BTF type ptr->type_id renders with BTF_F_* flags (core/btf/
// btf_show). 0 or the rendering's status (-EFAULT for unreadable data);
// -EINVAL for unknown flags, a ptr_size other than sizeof(struct btf_ptr)
// or type id 0; -ENOENT for an id the BTF does not have. Output that does
// not fit overflows the seq_file like any other write (the object is then
// rolled back by bpf_seq_read), and the helper still returns the status.
uint64_t seq_printf_btf(uint64_t seq, uint64_t ptr, uint64_t ptr_size, uint64_t flags, uint64_t,
                        vm::RunContext &ctx) {
    SeqFile *file = session_seq(seq, ctx, "bpf_seq_printf_btf");
    if (file == nullptr) return 0;
    if (flags & ~btf::kShowUserFlags) return neg(EINVAL);
    if (uint32_t(ptr_size) != sizeof(struct btf_ptr)) return neg(EINVAL);
    if (ptr == 0 || !readable(ctx, ptr, sizeof(struct btf_ptr))) {
        ctx.fault(EFAULT, "bpf_seq_printf_btf: the btf_ptr is outside the program's memory");
        return 0;
    }
    struct btf_ptr p;
    std::memcpy(&p, reinterpret_cast<const void *>(ptr), sizeof(p));
    if (p.type_id == 0) return neg(EINVAL);
    const btf::Btf *btf = daemon_btf();
    if (btf == nullptr) return neg(EINVAL);
    if (p.type_id > btf->type_count()) return neg(ENOENT);
    std::string text;
    // The kernel copies with copy_from_kernel_nofault: a bad ptr->ptr (the
    // verifier does not look inside the struct) gives -EFAULT, not a crash.
    // Unchecked runs have no regions to consult; NULL and error values are
    // still refused there.
    auto may_read = [&ctx](const void *addr, size_t len) {
        auto a = reinterpret_cast<uintptr_t>(addr);
        if (!ctx.checked()) return a >= 4096 && a < uintptr_t(-4096);
        return ctx.allows(a, len, false);
    };
    // More than the buffer can take overflows anyway: stop rendering there.
    int status = btf::show_type(*btf, p.type_id, p.ptr, flags, text, may_read, file->size());
    file->write(text.data(), text.size());
    return neg(-status);
}

}  // namespace

void register_seq_helpers(vm::HelperTable &table) {
    table.set(helper_id::kSeqPrintf, "bpf_seq_printf", seq_printf);
    table.set(helper_id::kSeqWrite, "bpf_seq_write", seq_write);
    table.set(helper_id::kSeqPrintfBtf, "bpf_seq_printf_btf", seq_printf_btf);
}

const vm::HelperTable &iter_helper_table() {
    static const vm::HelperTable table = [] {
        vm::HelperTable t = vm::HelperTable::standard();
        register_seq_helpers(t);
        vm::register_probe_read_helpers(t);
        return t;
    }();
    return table;
}

}  // namespace bpffs
