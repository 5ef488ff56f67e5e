// The BTF of tests/unit/btf/types.bpf.c, which meson builds and names in
// $BTF_TYPES for the BTF unit tests.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <vector>

inline std::vector<uint8_t> load_types_btf() {
    const char *path = std::getenv("BTF_TYPES");
    REQUIRE(path != nullptr);
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in.good());
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
