// Symbolic names of errno values for log lines ("ENOENT", "ENOTSUPP").
#pragma once

#include <string>

namespace bpffs {

// "EINVAL" for EINVAL, "ENOTSUPP" for the kernel-internal 524, "errno 999"
// for a number without a name here.
std::string errno_name(int code);

}  // namespace bpffs
