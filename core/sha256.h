// SHA-256 (FIPS 180-4), for the program tag: since Linux 6.18 the kernel's
// bpf_prog_calc_tag hashes with SHA-256 (it used SHA-1 before), and the tag
// only has to equal the kernel's.
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace bpffs {

std::array<uint8_t, 32> sha256(std::span<const uint8_t> data);

}  // namespace bpffs
