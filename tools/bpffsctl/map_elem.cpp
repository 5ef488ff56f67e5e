#include "tools/bpffsctl/map_elem.h"

#include <cstring>
#include <string>
#include <vector>

#include "tools/bpffsctl/args.h"
#include "tools/bpffsctl/cli.h"
#include "tools/bpffsctl/map_types.h"

namespace bpffsctl {

namespace {
// A map or program named by the two words after "value"; the fd goes into
// the 4-byte value, as the kernel expects for these map types.
int parse_object_value(Cli &cli, Args &args, const char *what,
                       const std::function<int(Cli &, Args &)> &open, ElemRequest &req) {
    if (req.value_size != 4) {
        cli.error("value smaller than 4B for %s?", what);
        return -1;
    }
    if (!args.peek(0) || !args.peek(1)) {
        cli.error("not enough value arguments for %s", what);
        return -1;
    }
    std::vector<std::string> two{args.cur(), *args.peek(1)};
    Args sub{&two, 0};
    int fd = open ? open(cli, sub) : -1;
    if (fd < 0) return -1;
    args.pos += 2;
    req.value_fd = fd;
    uint32_t as_u32 = static_cast<uint32_t>(fd);
    std::memcpy(req.value, &as_u32, sizeof(as_u32));
    return 0;
}

void fill_per_cpu_value(const bpf_map_info &info, ElemRequest &req) {
    if (!map_is_per_cpu(info.type)) return;
    size_t step = per_cpu_step(req.value_size);
    for (unsigned cpu = 1; cpu < req.ncpus; ++cpu)
        std::memcpy(req.value + cpu * step, req.value, req.value_size);
}

int parse_value(Cli &cli, Args &args, const bpf_map_info &info, ElemRequest &req) {
    ++args.pos;
    if (map_is_map_of_maps(info.type)) {
        if (parse_object_value(cli, args, "map in map", req.open_map_value, req)) return -1;
    } else if (map_is_map_of_progs(info.type)) {
        if (parse_object_value(cli, args, "map of progs", req.open_prog_value, req)) return -1;
    } else {
        if (!parse_bytes(cli, args, "value", req.value, req.value_size)) return -1;
        fill_per_cpu_value(info, req);
    }
    return 0;
}
}  // namespace

int parse_elem(Cli &cli, Args &args, const bpf_map_info &info, ElemRequest &req) {
    // key/value/flags pointers are cleared once parsed, so a second
    // occurrence is reported as a duplicate.
    uint8_t *key = req.key;
    uint8_t *value = req.value;
    uint64_t *flags = req.flags;
    while (true) {
        const std::string *word = args.peek();
        if (!word) {
            if (!key && !value) return 0;
            cli.error("did not find %s", key ? "key" : "value");
            return -1;
        }
        if (is_prefix(word, "key")) {
            if (!key) {
                cli.error(req.key_size ? "duplicate key" : "unnecessary key");
                return -1;
            }
            ++args.pos;
            if (!parse_bytes(cli, args, "key", key, req.key_size)) return -1;
            key = nullptr;
        } else if (is_prefix(word, "value")) {
            if (!value) {
                cli.error(req.value_size ? "duplicate value" : "unnecessary value");
                return -1;
            }
            if (parse_value(cli, args, info, req)) return -1;
            value = nullptr;
        } else if (is_prefix(word, "any") || is_prefix(word, "noexist") ||
                   is_prefix(word, "exist")) {
            if (!flags) {
                cli.error("flags specified multiple times: %s", word->c_str());
                return -1;
            }
            if (is_prefix(word, "any"))
                *flags = BPF_ANY;
            else if (is_prefix(word, "noexist"))
                *flags = BPF_NOEXIST;
            else
                *flags = BPF_EXIST;
            flags = nullptr;
            ++args.pos;
        } else {
            cli.error("expected key or value, got: %s", word->c_str());
            return -1;
        }
    }
}

}  // namespace bpffsctl
