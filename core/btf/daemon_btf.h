// The daemon's own BTF: the types of core/btf/kernel_types.h as clang
// describes them, built at build time and embedded. Clients fetch it for
// CO-RE, as libbpf reads /sys/kernel/btf/vmlinux.
#pragma once

#include <cstdint>
#include <span>

namespace bpffs::btf {

std::span<const uint8_t> daemon_btf_raw();

}  // namespace bpffs::btf
