// BTF objects of the daemon read back into a parsed Btf (libbpf's
// btf__load_from_kernel_by_id), and the daemon's own BTF.
#pragma once

#include <cstdint>
#include <vector>

#include "core/btf/btf.h"
#include "core/result.h"

namespace bpffsctl {

// The raw bytes of a BTF object given its fd (BPF_OBJ_GET_INFO_BY_FD).
bpffs::Result<std::vector<uint8_t>> btf_bytes_by_fd(int fd);
bpffs::Result<bpffs::btf::Btf> btf_by_id(uint32_t id);
bpffs::Result<bpffs::btf::Btf> daemon_btf();

}  // namespace bpffsctl
