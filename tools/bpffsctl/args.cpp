#include "tools/bpffsctl/args.h"

#include <cstdlib>
#include <cstring>

#include "tools/bpffsctl/cli.h"

namespace bpffsctl {

void Args::next(Cli &cli) {
    if (empty()) cli.usage();
    ++pos;
}

bool is_prefix(const std::string *pfx, const char *keyword) {
    if (!pfx) return false;
    size_t n = pfx->size();
    return std::strlen(keyword) >= n && std::memcmp(keyword, pfx->data(), n) == 0;
}

bool parse_u32_arg(Cli &cli, Args &args, uint32_t &value, const char *what) {
    args.next(cli);
    if (value) {
        cli.error("%s already specified", what);
        return false;
    }
    const char *text = args.cur().c_str();
    char *end = nullptr;
    value = static_cast<uint32_t>(std::strtoul(text, &end, 0));
    if (*end) {
        cli.error("can't parse %s as %s", text, what);
        return false;
    }
    args.next(cli);
    return true;
}

bool parse_bytes(Cli &cli, Args &args, const char *name, uint8_t *out, size_t n) {
    int base = 0;
    if (is_prefix(args.peek(), "hex")) {
        base = 16;
        ++args.pos;
    }
    size_t i = 0;
    for (; i < n && args.peek(); ++i) {
        const char *text = args.cur().c_str();
        char *end = nullptr;
        out[i] = static_cast<uint8_t>(std::strtoul(text, &end, base));
        if (*end) {
            cli.error("error parsing byte: %s", text);
            return false;
        }
        ++args.pos;
    }
    if (i != n) {
        cli.error("%s expected %zu bytes got %zu", name, n, i);
        return false;
    }
    return true;
}

}  // namespace bpffsctl
