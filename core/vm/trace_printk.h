// bpf_trace_printk (helper 6): the kernel's restricted printf. Formatting is
// exposed on its own so that other printf-like helpers (seq_printf,
// snprintf) can share the kernel's rules.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace bpffs::vm {

// Reads a NUL-terminated string the program points to (for %s); returns
// false when the address is not readable memory.
using StringReader = std::function<bool(uint64_t addr, std::string &out)>;

// Formats fmt with up to max_args arguments the way the kernel's
// bpf_bprintf_prepare + bstr_printf do: conversions %d %i %u %x %X %c %s %p
// (%px %pK too) with optional flags "0+- ", a width, and length h, hh, l, ll;
// %% for a percent sign. Anything else, more than max_args conversions, or
// a non-printable character, is EINVAL.
Result<std::string> format_bpf_printf(std::string_view fmt, const uint64_t *args, int nargs,
                                      int max_args, const StringReader &read_string);

}  // namespace bpffs::vm
