// `btf dump ... format raw`: every type as bpftool 7.1 prints it, plain
// ("[3] STRUCT 'x' size=16 vlen=2" and its members) and JSON. No daemon
// needed: unit-tested alone.
#pragma once

#include <cstdint>
#include <cstdio>
#include <span>

#include "core/btf/btf.h"

namespace bpffsctl {

class JsonWriter;

// root_ids empty: every type, in id order; otherwise just those.
void dump_btf_raw_plain(FILE *out, const bpffs::btf::Btf &btf, std::span<const uint32_t> root_ids);
void dump_btf_raw_json(JsonWriter &jw, const bpffs::btf::Btf &btf,
                       std::span<const uint32_t> root_ids);

}  // namespace bpffsctl
