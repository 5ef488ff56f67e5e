// `prog show` records as bpftool 7.1 prints them, plain and JSON (no
// daemon needed: unit-tested alone). The caller gathers the facts.
#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/btf/btf.h"

namespace bpffsctl {

class JsonWriter;

// libbpf 1.1's program type names; nullptr past its table.
const char *prog_type_name(uint32_t type);

struct ProgRecord {
    bpf_prog_info info{};
    std::string full_name;  // bpftool's get_prog_full_name
    bool has_memlock = false;
    uint64_t memlock = 0;
    std::vector<uint32_t> map_ids;
    bool pinned_table = false;  // -f given
    std::vector<std::string> pinned;
    std::string loaded_at_plain;  // "%FT%T%z", local time
    std::string loaded_at_json;   // seconds since the epoch

    // bpftool's program metadata: the bpf_metadata_* variables of the
    // program's .rodata map, printed through its BTF.
    struct MetadataVar {
        std::string name;  // without the bpf_metadata_ prefix
        uint32_t type = 0;
        uint32_t offset = 0;
    };
    std::shared_ptr<const bpffs::btf::Btf> metadata_btf;
    std::vector<uint8_t> metadata_value;
    std::vector<MetadataVar> metadata;
};

// The first line ("12: tracing  name x  tag ...  gpl\n").
std::string prog_header_plain(const ProgRecord &rec);
std::string prog_record_plain(const ProgRecord &rec);
void prog_header_json(JsonWriter &jw, const ProgRecord &rec);
void prog_record_json(JsonWriter &jw, const ProgRecord &rec);

// The metadata variables of a .rodata map value described by DATASEC
// datasec_id of btf (those named bpf_metadata_*).
std::vector<ProgRecord::MetadataVar> metadata_vars(const bpffs::btf::Btf &btf, uint32_t datasec_id);

// bpftool's print_boot_time: load_time (ns since boot) as wall-clock time.
void format_load_time(uint64_t boot_ns, std::string &plain, std::string &json);

}  // namespace bpffsctl
