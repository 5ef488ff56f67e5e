// Map type names as bpftool 7.1 prints and accepts them (libbpf 1.1's
// table), and the type families that change how values are read and shown.
#pragma once

#include <cstdint>
#include <string>

namespace bpffsctl {

// nullptr for a type libbpf 1.1 does not name (bpftool then prints the number).
const char *map_type_name(uint32_t type);
// -1 when the name is unknown; names must match exactly (no prefixes).
int map_type_from_name(const std::string &name);

bool map_is_per_cpu(uint32_t type);
bool map_is_map_of_maps(uint32_t type);
bool map_is_map_of_progs(uint32_t type);

// Bytes of one value through the syscall interface: per-CPU maps carry one
// 8-byte-aligned slot per possible CPU.
size_t map_value_buffer_size(uint32_t type, uint32_t value_size, unsigned ncpus);
inline size_t per_cpu_step(uint32_t value_size) {
    return (value_size + 7u) & ~size_t{7};
}

// The possible CPUs of this machine (/sys/devices/system/cpu/possible).
unsigned possible_cpus();

}  // namespace bpffsctl
