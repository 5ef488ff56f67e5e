#include "core/vm/trace_printk.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "core/vm/helpers.h"
#include "core/vm/run_context.h"

namespace bpffs::vm {
namespace {

// Formats one integer conversion, spec being "%<flags><width>" without length.
std::string format_int(const std::string &spec, int length, char conv, uint64_t v) {
    char buf[64];
    std::string f = spec;
    bool is_signed = conv == 'd' || conv == 'i';
    // The kernel reads the argument at the conversion's size: %d is an int,
    // %hd a short, %ld/%lld a 64-bit value.
    if (length >= 1) {
        f += "ll";
        f += conv;
        if (is_signed)
            std::snprintf(buf, sizeof buf, f.c_str(), static_cast<long long>(v));
        else
            std::snprintf(buf, sizeof buf, f.c_str(), static_cast<unsigned long long>(v));
    } else {
        f += conv;
        int64_t sv = length == -2 ? int8_t(v) : length == -1 ? int16_t(v) : int32_t(v);
        uint64_t uv = length == -2 ? uint8_t(v) : length == -1 ? uint16_t(v) : uint32_t(v);
        if (is_signed)
            std::snprintf(buf, sizeof buf, f.c_str(), static_cast<int>(sv));
        else
            std::snprintf(buf, sizeof buf, f.c_str(), static_cast<unsigned>(uv));
    }
    return buf;
}

tl::unexpected<Error> bad_format(size_t pos, const std::string &why) {
    return fail(EINVAL, "format string, at offset " + std::to_string(pos) + ": " + why);
}

}  // namespace

Result<std::string> format_bpf_printf(std::string_view fmt, const uint64_t *args, int nargs,
                                      int max_args, const StringReader &read_string) {
    std::string out;
    int used = 0;
    for (size_t i = 0; i < fmt.size(); ++i) {
        const char c = fmt[i];
        if (!std::isprint(static_cast<unsigned char>(c)) &&
            !std::isspace(static_cast<unsigned char>(c)))
            return bad_format(i, "non-printable character");
        if (c != '%') {
            out += c;
            continue;
        }
        const size_t start = i++;
        if (i < fmt.size() && fmt[i] == '%') {
            out += '%';
            continue;
        }
        if (used == max_args)
            return bad_format(start, "more than " + std::to_string(max_args) + " conversions");
        std::string spec = "%";
        while (i < fmt.size() && std::strchr("0+- ", fmt[i]) != nullptr)
            spec += fmt[i++];
        while (i < fmt.size() && std::isdigit(static_cast<unsigned char>(fmt[i])))
            spec += fmt[i++];
        if (i >= fmt.size()) return bad_format(start, "incomplete conversion");
        const uint64_t arg = used < nargs ? args[used] : 0;
        ++used;
        char conv = fmt[i];
        if (conv == 'p') {
            // %p, %px, %pK: the pointer value in hex, 16 digits as the kernel prints it.
            if (i + 1 < fmt.size() && (fmt[i + 1] == 'x' || fmt[i + 1] == 'K')) ++i;
            char buf[32];
            std::snprintf(buf, sizeof buf, "%016" PRIx64, arg);
            out += buf;
            continue;
        }
        if (conv == 's') {
            std::string s;
            if (!read_string(arg, s))
                s = "";  // unreadable memory prints as nothing, like the kernel
            char buf[4096];
            std::snprintf(buf, sizeof buf, (spec + "s").c_str(), s.c_str());
            out += buf;
            continue;
        }
        if (conv == 'c') {
            char buf[64];
            std::snprintf(buf, sizeof buf, (spec + "c").c_str(), int(uint8_t(arg)));
            out += buf;
            continue;
        }
        int length = 0;  // -2 hh, -1 h, 0 none, 1 l, 2 ll
        if (conv == 'l') {
            length = 1;
            if (++i < fmt.size() && fmt[i] == 'l') {
                length = 2;
                ++i;
            }
        } else if (conv == 'h') {
            length = -1;
            if (++i < fmt.size() && fmt[i] == 'h') {
                length = -2;
                ++i;
            }
        }
        if (i >= fmt.size()) return bad_format(start, "incomplete conversion");
        conv = fmt[i];
        if (std::strchr("diuxX", conv) == nullptr)
            return bad_format(i, std::string("unsupported conversion '%") + conv + "'");
        out += format_int(spec, length, conv, arg);
    }
    return out;
}

namespace {

// bpf_trace_printk(fmt, fmt_size, arg1, arg2, arg3): fmt must hold a NUL
// within fmt_size bytes. Returns the length of the message, or -EINVAL.
uint64_t trace_printk(uint64_t fmt, uint64_t fmt_size, uint64_t a1, uint64_t a2, uint64_t a3,
                      RunContext &ctx) {
    if (fmt_size == 0 || fmt_size > 4096) return uint64_t(-EINVAL);
    if (ctx.checked() && !ctx.allows(fmt, fmt_size, false)) {
        ctx.fault(EFAULT, "bpf_trace_printk: the format string is outside the program's memory");
        return 0;
    }
    const char *p = reinterpret_cast<const char *>(fmt);
    const void *nul = std::memchr(p, 0, fmt_size);
    if (nul == nullptr) return uint64_t(-EINVAL);
    const uint64_t args[3] = {a1, a2, a3};
    StringReader reader = [&ctx](uint64_t addr, std::string &s) {
        // %s arguments are any scalar (the kernel reads them without
        // faulting): checked against the run's memory in every mode.
        if (addr == 0) return false;
        size_t limit = std::min<size_t>(ctx.readable_from(addr), 1024);
        if (limit == 0) return false;
        const char *str = reinterpret_cast<const char *>(addr);
        size_t n = strnlen(str, limit);
        if (n == limit) return false;  // no NUL inside the memory we may read
        s.assign(str, n);
        return true;
    };
    auto text = format_bpf_printf(std::string_view(p, static_cast<const char *>(nul) - p), args, 3,
                                  3, reader);
    if (!text) return uint64_t(-EINVAL);
    if (ctx.trace_sink) ctx.trace_sink(*text);
    return text->size();
}

}  // namespace

void register_trace_helpers(HelperTable &table) {
    table.set(helper_id::kTracePrintk, "bpf_trace_printk", trace_printk);
}

}  // namespace bpffs::vm
