// bpf_probe_read_kernel (113) and bpf_probe_read_kernel_str (115), which
// BPF_CORE_READ and friends compile to, with the kernel's results: 0 (or
// the string's length with its NUL) on success; -EFAULT with dst zeroed when
// the source cannot be read, never a crash. "Kernel" memory here is what the
// daemon exposes to the run: in checked mode the stack and the run's
// regions (the object views an iterator hands out); in unchecked mode, what
// process_vm_readv on the daemon itself can read, which fails instead of
// faulting.
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "core/vm/helpers.h"
#include "core/vm/run_context.h"

namespace bpffs::vm {
namespace {

uint64_t neg(int err) {
    return static_cast<uint64_t>(-static_cast<int64_t>(err));
}

// The kernel's verifier proves dst writable for size bytes; in checked mode
// that proof is made here, and its failure ends the run.
bool dst_ok(RunContext &ctx, const char *helper, uint64_t dst, uint64_t size) {
    if (size == 0 || !ctx.checked() || ctx.allows(dst, size, true)) return true;
    ctx.fault(EACCES, std::string(helper) + ": the destination (" + std::to_string(size) +
                          " bytes) is not writable memory of the program");
    return false;
}

// Copies [src, src + size) into dst, or returns false.
bool copy_nofault(RunContext &ctx, void *dst, uint64_t src, size_t size) {
    if (ctx.checked()) {
        if (!ctx.allows(src, size, false)) return false;
        memcpy(dst, reinterpret_cast<const void *>(static_cast<uintptr_t>(src)), size);
        return true;
    }
    iovec local{dst, size};
    iovec remote{reinterpret_cast<void *>(static_cast<uintptr_t>(src)), size};
    return process_vm_readv(getpid(), &local, 1, &remote, 1, 0) == static_cast<ssize_t>(size);
}

uint64_t probe_read_kernel(uint64_t dst, uint64_t size, uint64_t src, uint64_t, uint64_t,
                           RunContext &ctx) {
    if (size > UINT32_MAX) return neg(EINVAL);
    if (!dst_ok(ctx, "bpf_probe_read_kernel", dst, size)) return neg(EFAULT);
    if (size == 0) return 0;
    void *d = reinterpret_cast<void *>(static_cast<uintptr_t>(dst));
    if (copy_nofault(ctx, d, src, size)) return 0;
    memset(d, 0, size);
    return neg(EFAULT);
}

// strncpy_from_kernel_nofault: up to size bytes, stopping after a NUL; a
// string cut at size ends in a NUL; the result counts the NUL.
uint64_t probe_read_kernel_str(uint64_t dst, uint64_t size, uint64_t src, uint64_t, uint64_t,
                               RunContext &ctx) {
    if (size > UINT32_MAX) return neg(EINVAL);
    if (!dst_ok(ctx, "bpf_probe_read_kernel_str", dst, size)) return neg(EFAULT);
    if (size == 0) return 0;
    auto *d = reinterpret_cast<char *>(static_cast<uintptr_t>(dst));
    for (size_t i = 0; i < size; ++i) {
        char c;
        if (!copy_nofault(ctx, &c, src + i, 1)) {
            memset(d, 0, size);
            return neg(EFAULT);
        }
        d[i] = c;
        if (c == '\0') return i + 1;
    }
    d[size - 1] = '\0';
    return size;
}

}  // namespace

void register_probe_read_helpers(HelperTable &table) {
    table.set(helper_id::kProbeReadKernel, "bpf_probe_read_kernel", probe_read_kernel);
    table.set(helper_id::kProbeReadKernelStr, "bpf_probe_read_kernel_str", probe_read_kernel_str);
}

}  // namespace bpffs::vm
