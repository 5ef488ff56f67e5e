// The element part of update/lookup/getnext/delete command lines:
// `key DATA`, `value VALUE`, `any|noexist|exist`, in any order, each at most
// once, with bpftool's messages ("did not find key", "duplicate value",
// "flags specified multiple times: exist", "expected key or value, got: X").
#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <functional>

namespace bpffsctl {

class Cli;
struct Args;

struct ElemRequest {
    uint8_t *key = nullptr;    // where to put the key; nullptr: no key wanted
    uint8_t *value = nullptr;  // where to put the value; nullptr: no value wanted
    uint32_t key_size = 0;
    uint32_t value_size = 0;
    uint64_t *flags = nullptr;  // nullptr: update flags not accepted
    unsigned ncpus = 1;         // per-CPU values are copied to every CPU slot
    // Values of map-in-map and prog-array maps name an object (MAP or PROG
    // selector); this opens it and returns the fd, or -1 after reporting.
    std::function<int(Cli &, Args &)> open_map_value;
    std::function<int(Cli &, Args &)> open_prog_value;
    int value_fd = -1;  // set when the value is an fd the caller must close
};

// 0 on success, -1 after reporting the problem.
int parse_elem(Cli &cli, Args &args, const bpf_map_info &info, ElemRequest &req);

}  // namespace bpffsctl
