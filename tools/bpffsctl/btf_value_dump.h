// Map keys and values printed through their BTF, as bpftool 7.1's
// btf_dumper does for maps that carry BTF (`map dump`, `map lookup`): in
// JSON mode a "formatted" member next to the hex bytes, in plain mode the
// whole output as indented JSON. Structs become objects, arrays arrays
// (char arrays holding a printable string become strings), enums their
// enumerator's name, global data sections {"<section>": [{"<var>": ...}]}.
#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <span>

#include "core/btf/btf.h"

namespace bpffsctl {

class JsonWriter;

// One value of type type_id at the start of data; -EINVAL for what bpftool
// cannot print either (functions, forward declarations) or data shorter
// than the type.
int btf_dump_type(JsonWriter &jw, const bpffs::btf::Btf &btf, uint32_t type_id,
                  std::span<const uint8_t> data, bool plain_text);

// bpftool's do_dump_btf: {"key": ..., "value": ...} (or "values" per CPU).
int btf_dump_kv(JsonWriter &jw, const bpffs::btf::Btf &btf, const bpf_map_info &info,
                std::span<const uint8_t> key, std::span<const uint8_t> value, bool plain_text,
                bool per_cpu, unsigned ncpus);

}  // namespace bpffsctl
