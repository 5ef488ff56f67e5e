// Helpers shared by the map unit tests.
#pragma once

#include <catch2/catch.hpp>

#include <cstring>
#include <memory>
#include <vector>

#include "core/map.h"

namespace maptest {

// The CPU count the tests size per-CPU values with: 2, like the machine the
// kernel figures in these tests were measured on.
constexpr unsigned kCpus = 2;

bpffs::MapSpec spec(uint32_t type, uint32_t key_size, uint32_t value_size, uint32_t max_entries,
                    uint32_t flags = 0, const char *name = "m");

// Creates a map that must be valid.
std::shared_ptr<bpffs::Map> make(uint32_t type, uint32_t key_size, uint32_t value_size,
                                 uint32_t max_entries, uint32_t flags = 0, unsigned ncpus = kCpus);

// The errno of a failed creation (0 on success); the message must not be empty.
int create_errno(const bpffs::MapSpec &s, unsigned ncpus = kCpus);

// errno of a Status (0 when ok); checks that a failure carries a sentence.
int err(const bpffs::Status &st);

// All keys of a map with 4-byte keys, in get_next_key order.
std::vector<uint32_t> keys_of(bpffs::Map &map);

}  // namespace maptest
