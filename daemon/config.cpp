#include "daemon/config.h"

#include <cerrno>
#include <charconv>
#include <string>

namespace bpffs {

namespace {

template <class T>
bool parse_number(std::string_view text, int base, T &out) {
    if (text.empty()) return false;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out, base);
    return ec == std::errc() && end == text.data() + text.size();
}

Status bad_value(std::string_view key) {
    return fail(EINVAL, "Bad value for '" + std::string(key) + "'");
}

Status apply_option(std::string_view key, std::string_view value, bool has_value, Config &cfg,
                    std::string &ignored) {
    if (key == "mode") {
        uint32_t mode;
        // The kernel masks to permission, setuid/setgid and sticky bits.
        if (!has_value || !parse_number(value, 8, mode)) return bad_value(key);
        cfg.tree.root_mode = mode & 07777;
    } else if (key == "uid" || key == "gid") {
        uint32_t id;
        // (uid_t)-1 is "no id" and cannot own anything.
        if (!has_value || !parse_number(value, 10, id) || id == UINT32_MAX) return bad_value(key);
        (key == "uid" ? cfg.tree.root_uid : cfg.tree.root_gid) = id;
    } else if (key == "allow_other" && !has_value) {
        cfg.allow_other = true;
    } else {
        if (!ignored.empty()) ignored += ",";
        ignored += std::string(key);
    }
    return ok();
}

}  // namespace

Result<uint64_t> parse_size(std::string_view text, std::string_view option) {
    auto bad = [&] {
        return fail(EINVAL, std::string(option) + " " + std::string(text) +
                                ": expected a size in bytes, optionally with a K, M, G or T "
                                "suffix (e.g. 512M)");
    };
    size_t digits = 0;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9')
        digits++;
    uint64_t number = 0;
    if (digits == 0 || !parse_number(text.substr(0, digits), 10, number)) return bad();
    std::string_view suffix = text.substr(digits);
    unsigned shift = 0;
    if (!suffix.empty()) {
        switch (suffix.front() | 0x20) {  // lower case
            case 'k':
                shift = 10;
                break;
            case 'm':
                shift = 20;
                break;
            case 'g':
                shift = 30;
                break;
            case 't':
                shift = 40;
                break;
            case 'b':
                shift = 0;
                break;
            default:
                return bad();
        }
        std::string_view rest = suffix.substr(1);
        bool plain_bytes = (suffix.front() | 0x20) == 'b';
        if (!(rest.empty() || (!plain_bytes && (rest == "B" || rest == "iB" || rest == "b"))))
            return bad();
    }
    if (shift != 0 && number > (UINT64_MAX >> shift))
        return fail(ERANGE, std::string(option) + " " + std::string(text) + ": too large");
    return number << shift;
}

Status parse_mount_options(std::string_view options, Config &cfg, std::string &ignored) {
    while (!options.empty()) {
        size_t comma = options.find(',');
        std::string_view item = options.substr(0, comma);
        options = comma == std::string_view::npos ? std::string_view() : options.substr(comma + 1);
        if (item.empty()) continue;
        size_t eq = item.find('=');
        std::string_view key = item.substr(0, eq);
        std::string_view value =
            eq == std::string_view::npos ? std::string_view() : item.substr(eq + 1);
        if (auto st = apply_option(key, value, eq != std::string_view::npos, cfg, ignored); !st)
            return st;
    }
    return ok();
}

}  // namespace bpffs
