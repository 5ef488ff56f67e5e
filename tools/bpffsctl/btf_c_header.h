// `btf dump ... format c`: the types as C, framed as bpftool 7.1 frames them
// (a vmlinux.h include guard and clang's preserve_access_index pragma), so
// that the output can be included by BPF programs compiled for CO-RE.
#pragma once

#include <cstdint>
#include <span>

#include "core/btf/btf.h"

namespace bpffsctl {

class Cli;

// root_ids empty: every type, in id order; otherwise those and what they
// need. pointer_size: see bpffs::btf::Layout. Returns 0, or a negative errno
// after printing libbpf's warnings to stderr (the output so far stays, with
// no closing guard, as bpftool leaves it).
int dump_btf_c(Cli &cli, const bpffs::btf::Btf &btf, std::span<const uint32_t> root_ids,
               uint32_t pointer_size);

}  // namespace bpffsctl
