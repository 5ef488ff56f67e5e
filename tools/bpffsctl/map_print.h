// How bpftool 7.1 prints maps: `map show` records, `map dump`/`lookup`
// entries, in plain text and JSON. Pure formatting over a bpf_map_info and
// byte buffers; nothing here talks to a daemon.
#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tools/bpffsctl/json_writer.h"

namespace bpffsctl {

// What `map show` prints about one map.
struct MapRecord {
    bpf_map_info info{};
    std::optional<uint64_t> memlock;  // fdinfo "memlock" (bytes)
    int frozen = 0;                   // fdinfo "frozen"
    bool pinned_table = false;        // -f given: print the "pinned" list
    std::vector<std::string> pinned;  // paths, in the order bpftool lists them
};

// Bytes as "01 02 03 04", two spaces after every 8th byte and a line break
// after every 16th (bpftool's fprint_hex).
std::string hex_bytes(const uint8_t *data, size_t n, const char *sep = " ");
// Bytes as a JSON array of "0x01" strings.
void hex_bytes_json(JsonWriter &jw, const uint8_t *data, size_t n);

// One key/value pair of dump and lookup. For per-CPU maps value holds
// ncpus slots, each per_cpu_step(value_size) bytes apart.
std::string entry_plain(const bpf_map_info &info, const uint8_t *key, const uint8_t *value,
                        unsigned ncpus);
// formatted, when given, adds bpftool's BTF-formatted "formatted" member.
void entry_json(JsonWriter &jw, const bpf_map_info &info, const uint8_t *key, const uint8_t *value,
                unsigned ncpus, const std::function<void(JsonWriter &)> *formatted = nullptr);
// An element that get_next_key returned but lookup could not read.
std::string entry_error_plain(const bpf_map_info &info, const uint8_t *key, int lookup_errno);
void entry_error_json(JsonWriter &jw, const bpf_map_info &info, const uint8_t *key,
                      int lookup_errno);

// "ID: TYPE  name NAME  flags 0x0\n", also the header of multi-map dumps.
std::string map_header_plain(const bpf_map_info &info);
// "id", "type", "name", "flags" members.
void map_header_json(JsonWriter &jw, const bpf_map_info &info);

std::string map_record_plain(const MapRecord &rec);
void map_record_json(JsonWriter &jw, const MapRecord &rec);

}  // namespace bpffsctl
