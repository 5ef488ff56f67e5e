// main() of the fuzz targets outside libFuzzer: runs the target over every
// seed (files, or directories of files, named on the command line), then
// over deterministic mutations of each seed (bit flips, byte overwrites,
// truncations, splices), so that the same runs happen in every build.
//
//   fuzz_wire [--mutations N] SEED_OR_DIR...
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_target.h"

namespace {

using Bytes = std::vector<uint8_t>;

bool read_seed(const std::string &path, Bytes &out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return true;
}

// Files named directly, and the regular files of named directories.
bool collect_seeds(const std::string &path, std::vector<std::string> &seeds) {
    struct stat st;
    if (stat(path.c_str(), &st) != 0) {
        fprintf(stderr, "cannot stat seed %s: %s\n", path.c_str(), strerror(errno));
        return false;
    }
    if (!S_ISDIR(st.st_mode)) {
        seeds.push_back(path);
        return true;
    }
    DIR *dir = opendir(path.c_str());
    if (dir == nullptr) return false;
    std::vector<std::string> names;
    while (dirent *e = readdir(dir))
        if (e->d_name[0] != '.') names.push_back(path + "/" + e->d_name);
    closedir(dir);
    std::sort(names.begin(), names.end());  // same order in every run
    for (auto &n : names)
        collect_seeds(n, seeds);
    return true;
}

// One mutation of seed, chosen by rng; splice_with is another seed.
Bytes mutate(const Bytes &seed, const Bytes &splice_with, std::mt19937_64 &rng) {
    Bytes out = seed;
    auto pick = [&](size_t n) { return n == 0 ? 0 : static_cast<size_t>(rng() % n); };
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < edits; ++i) {
        switch (rng() % 6) {
            case 0:  // flip one bit
                if (!out.empty()) out[pick(out.size())] ^= static_cast<uint8_t>(1u << (rng() % 8));
                break;
            case 1:  // an interesting byte value
                if (!out.empty()) {
                    static const uint8_t interesting[] = {0, 1, 0x7f, 0x80, 0xff, 0x10, 0x20};
                    out[pick(out.size())] = interesting[rng() % sizeof(interesting)];
                }
                break;
            case 2:  // truncate
                out.resize(pick(out.size() + 1));
                break;
            case 3:  // overwrite a 32-bit field with an extreme value
                if (out.size() >= 4) {
                    static const uint32_t extremes[] = {0,           1,           0xffffffffu,
                                                        0x7fffffffu, 0x80000000u, 0x10000u};
                    uint32_t v = extremes[rng() % 6];
                    memcpy(&out[pick(out.size() - 3)], &v, 4);
                }
                break;
            case 4:  // insert random bytes
            {
                size_t at = pick(out.size() + 1);
                size_t n = 1 + rng() % 16;
                Bytes extra(n);
                for (auto &b : extra)
                    b = static_cast<uint8_t>(rng());
                out.insert(out.begin() + static_cast<long>(at), extra.begin(), extra.end());
                break;
            }
            default:  // splice: our head, the other seed's tail
                if (!splice_with.empty()) {
                    out.resize(pick(out.size() + 1));
                    size_t from = pick(splice_with.size());
                    out.insert(out.end(), splice_with.begin() + static_cast<long>(from),
                               splice_with.end());
                }
        }
    }
    return out;
}

void run_one(const Bytes &input) {
    // A copy in a buffer of exactly its size, so ASan sees any overread.
    uint8_t *buf = static_cast<uint8_t *>(malloc(input.empty() ? 1 : input.size()));
    if (!input.empty()) memcpy(buf, input.data(), input.size());
    LLVMFuzzerTestOneInput(buf, input.size());
    free(buf);
}

}  // namespace

int main(int argc, char **argv) {
    long mutations = 200;
    std::vector<std::string> seeds;
    for (int i = 1; i < argc; ++i) {
        if (strcmp(argv[i], "--mutations") == 0 && i + 1 < argc) {
            mutations = strtol(argv[++i], nullptr, 10);
            continue;
        }
        if (!collect_seeds(argv[i], seeds)) return 1;
    }
    if (seeds.empty()) {
        fprintf(stderr, "usage: %s [--mutations N] SEED_OR_DIR...\n", argv[0]);
        return 1;
    }
    std::vector<Bytes> inputs;
    for (const auto &path : seeds) {
        Bytes b;
        if (!read_seed(path, b)) {
            fprintf(stderr, "cannot read seed %s\n", path.c_str());
            return 1;
        }
        inputs.push_back(std::move(b));
    }
    run_one({});                      // the empty input
    std::mt19937_64 rng(0x62706666);  // fixed: every run does the same work
    long runs = 1;
    for (size_t s = 0; s < inputs.size(); ++s) {
        run_one(inputs[s]);
        ++runs;
        for (long m = 0; m < mutations; ++m, ++runs)
            run_one(mutate(inputs[s], inputs[rng() % inputs.size()], rng));
    }
    printf("%zu seeds, %ld runs, no crash\n", inputs.size(), runs);
    return 0;
}
