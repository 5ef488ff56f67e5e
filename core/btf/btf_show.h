// Showing typed data as text from its BTF, in the kernel's format (the
// "show" operations of kernel/bpf/btf.c): what `cat` of a pinned map with
// BTF prints for each key and value (compact, no names, zeros shown), and
// what bpf_seq_printf_btf writes for a `struct btf_ptr` with BTF_F_* flags.
//
// The kernel's rendering has quirks that user space sees, and they are kept
// here on purpose because the bar is byte-identical output:
//  - char arrays (any array of 1-byte integers) print printable bytes as
//    'c' and stop at the first NUL; other bytes print as numbers;
//  - bitfields and integers of odd widths print in hex (0x1f);
//  - pointers print as 0x%p: the value hashed (NULL and error values raw),
//    or raw with BTF_F_PTR_RAW;
//  - arrays of arrays and of pointers show their first element repeatedly
//    (the element stride is only known for sized scalar and struct types);
//  - kinds without a rendering (FLOAT, FUNC, FWD, ...) print as
//    <unsupported kind:N>;
//  - a DATASEC prints `section ("name") = {` and its variables, without a
//    closing brace;
//  - without BTF_F_ZERO, zero members and all-zero nested aggregates are
//    left out; with BTF_F_ZERO everything is printed.
#pragma once

#include <linux/bpf.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "core/btf/btf.h"

namespace bpffs::btf {

// The flags of bpf_seq_printf_btf / bpf_snprintf_btf (linux/bpf.h BTF_F_*).
inline constexpr uint64_t kShowCompact = BTF_F_COMPACT;  // no newlines nor indentation
inline constexpr uint64_t kShowNoname = BTF_F_NONAME;    // no member names nor type names
inline constexpr uint64_t kShowPtrRaw = BTF_F_PTR_RAW;   // pointers unhashed
inline constexpr uint64_t kShowZero = BTF_F_ZERO;        // zero members shown
inline constexpr uint64_t kShowUserFlags = kShowCompact | kShowNoname | kShowPtrRaw | kShowZero;
// Internal: the data is known to be readable (map storage), no checks.
inline constexpr uint64_t kShowUnsafe = uint64_t{1} << 4;
// The flags of the map pretty-printer (btf_type_seq_show).
inline constexpr uint64_t kShowSeqFlags = kShowNoname | kShowCompact | kShowZero | kShowUnsafe;

// Whether len bytes at addr may be read. Consulted for every type shown
// unless kShowUnsafe is set; a false answer skips that part of the output
// and makes the status -EFAULT, as a failed copy_from_kernel_nofault does.
using ReadableFn = std::function<bool(const void *addr, size_t len)>;

// Appends the text of the object of BTF type type_id at obj to out.
// Returns 0, or a negative errno (the kernel's show status: -EFAULT for
// unreadable data, -EINVAL for a type without a size or an unknown id).
// Output stops soon after out grows past limit (huge arrays of empty
// structs would otherwise print gigabytes).
int show_type(const Btf &btf, uint32_t type_id, const void *obj, uint64_t flags, std::string &out,
              const ReadableFn &readable = {}, size_t limit = SIZE_MAX);

// %p of a non-NULL, non-error pointer value: a keyed hash, stable for the
// life of the process, in 32 bits as the kernel prints it.
uint64_t hashed_pointer(uint64_t value);

}  // namespace bpffs::btf
