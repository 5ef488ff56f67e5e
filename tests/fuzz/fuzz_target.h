// The entry point every fuzz target defines: libFuzzer's. Built with
// -fsanitize=fuzzer it is driven by libFuzzer (run_fuzz.sh); in the normal
// build replay_main.cpp drives it over the seed corpus and a fixed number of
// deterministic mutations of each seed, so the suite (and its ASan build)
// exercises every target without clang.
//
// A target must accept any bytes: it returns 0 and never crashes, leaks or
// trips a sanitizer. Errors from the code under test are expected results.
#pragma once

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
