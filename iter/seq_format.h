// The format language of bpf_seq_printf: the kernel's bpf_bprintf_prepare
// rules (which conversions a program may use, how many, which memory they
// read) with bstr_printf's output. Kept apart from vm::format_bpf_printf
// because the kernel's rules differ from what that one accepts (no %h,
// %s must end a word, %pI4/%pi6/%pks/%pB/%pS exist, a bounded buffer for
// the copied strings).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "core/result.h"

namespace bpffs {

// Reads memory a conversion points at, as the kernel's *_nofault copies
// do: false when the address is not readable (the conversion then prints
// an empty string or zero bytes, never fails).
struct SeqFormatMemory {
    // A NUL-terminated string of at most max bytes (NUL included).
    std::function<bool(uint64_t addr, size_t max, std::string &out)> read_string;
    // Exactly len bytes.
    std::function<bool(uint64_t addr, void *out, size_t len)> read_bytes;
};

// Bytes of copied data (strings, IP addresses, scalar slots) one call may
// use: the kernel's MAX_BPRINTF_BIN_ARGS; beyond it a call fails with
// ENOSPC.
inline constexpr size_t kSeqPrintfBinBytes = 512;
// At most this many arguments (data_len / 8).
inline constexpr size_t kSeqPrintfMaxArgs = 12;

// Formats fmt (without its NUL) with args. EINVAL for a character that is
// not printable ASCII or space, an unsupported conversion, or more
// conversions than args; ENOSPC when the copied data do not fit.
Result<std::string> format_seq_printf(std::string_view fmt, std::span<const uint64_t> args,
                                      const SeqFormatMemory &memory);

}  // namespace bpffs
