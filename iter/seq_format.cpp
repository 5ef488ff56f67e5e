#include "iter/seq_format.h"

#include <cctype>
#include <charconv>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace bpffs {
namespace {

tl::unexpected<Error> bad_format(size_t pos, const std::string &why) {
    return fail(EINVAL, "bpf_seq_printf format, at offset " + std::to_string(pos) + ": " + why);
}

// The end of a %s-like conversion must be the end of the format, a space
// or a punctuation character: "%sx" is refused by the kernel.
bool ends_word(std::string_view fmt, size_t next) {
    if (next >= fmt.size()) return true;
    const auto c = static_cast<unsigned char>(fmt[next]);
    return std::isspace(c) || std::ispunct(c);
}

// Tracks the kernel's bounded buffer of copied argument data.
class BinBuffer {
  public:
    // Reserves n bytes aligned to align; false when they do not fit.
    bool take(size_t n, size_t align) {
        used_ = (used_ + align - 1) / align * align;
        if (used_ > kSeqPrintfBinBytes || kSeqPrintfBinBytes - used_ < n) return false;
        used_ += n;
        return true;
    }
    size_t left() const { return used_ >= kSeqPrintfBinBytes ? 0 : kSeqPrintfBinBytes - used_; }

  private:
    size_t used_ = 0;
};

std::string printf_one(const std::string &spec, auto value) {
    char buf[256];
    int n = std::snprintf(buf, sizeof buf, spec.c_str(), value);
    if (n < 0) return {};
    if (size_t(n) < sizeof buf) return std::string(buf, size_t(n));
    std::string big(size_t(n) + 1, '\0');
    std::snprintf(big.data(), big.size(), spec.c_str(), value);
    big.resize(size_t(n));
    return big;
}

std::string format_ipv4(const uint8_t *a, bool leading_zeros) {
    char buf[32];
    std::snprintf(buf, sizeof buf, leading_zeros ? "%03u.%03u.%03u.%03u" : "%u.%u.%u.%u", a[0],
                  a[1], a[2], a[3]);
    return buf;
}

std::string format_ipv6(const uint8_t *a, bool colons) {
    std::string out;
    char buf[8];
    for (int i = 0; i < 16; i += 2) {
        if (colons && i > 0) out += ':';
        std::snprintf(buf, sizeof buf, "%02x%02x", a[i], a[i + 1]);
        out += buf;
    }
    return out;
}

struct Parser {
    std::string_view fmt;
    std::span<const uint64_t> args;
    const SeqFormatMemory &memory;
    BinBuffer bin;
    std::string out;
    size_t used = 0;

    Result<size_t> string_conversion(size_t i, const std::string &spec, uint64_t arg) {
        if (!ends_word(fmt, i + 1))
            return bad_format(i,
                              "a string conversion must be followed by a space, a punctuation "
                              "character or the end");
        if (bin.left() == 0) return fail(ENOSPC, "bpf_seq_printf: too much argument data");
        std::string s;
        if (!memory.read_string || !memory.read_string(arg, bin.left(), s)) s.clear();
        bin.take(s.size() + 1, 1);
        out += printf_one(spec + "s", s.c_str());
        return i;
    }

    Result<size_t> pointer_conversion(size_t i, const std::string &spec, uint64_t arg) {
        const char m = i + 1 < fmt.size() ? fmt[i + 1] : '\0';
        const char m2 = i + 2 < fmt.size() ? fmt[i + 2] : '\0';
        if ((m == 'k' || m == 'u') && m2 == 's') return string_conversion(i + 2, spec, arg);
        if (!bin.take(8, 8)) return fail(ENOSPC, "bpf_seq_printf: too much argument data");
        const auto mc = static_cast<unsigned char>(m);
        if (m == '\0' || std::isspace(mc) || std::ispunct(mc) || m == 'K' || m == 'x') {
            // Plain pointers print their value: there is no kernel address
            // space to hide here.
            out += printf_one("%016" PRIx64, arg);
            return m == 'K' || m == 'x' ? i + 1 : i;
        }
        if (m == 's' || m == 'S' || m == 'B') {
            // Symbol lookups find no symbol in bpffsd: the kernel then
            // prints the address as 0x...
            out += printf_one("0x%" PRIx64, arg);
            return i + 1;
        }
        if ((m != 'i' && m != 'I') || (m2 != '4' && m2 != '6'))
            return bad_format(i, std::string("unsupported pointer conversion '%p") + m + "'");
        const size_t len = m2 == '4' ? 4 : 16;
        if (!bin.take(len, 1)) return fail(ENOSPC, "bpf_seq_printf: too much argument data");
        uint8_t addr[16] = {};
        if (!memory.read_bytes || !memory.read_bytes(arg, addr, len)) std::memset(addr, 0, len);
        out += len == 4 ? format_ipv4(addr, m == 'i') : format_ipv6(addr, m == 'I');
        return i + 2;
    }

    Result<size_t> integer_conversion(size_t i, const std::string &spec, uint64_t arg) {
        int longs = 0;
        while (longs < 2 && i < fmt.size() && fmt[i] == 'l') {
            ++longs;
            ++i;
        }
        const char conv = i < fmt.size() ? fmt[i] : '\0';
        if (conv == '\0' || std::strchr("iduxX", conv) == nullptr)
            return bad_format(i, conv == '\0'
                                     ? std::string("incomplete conversion")
                                     : std::string("unsupported conversion '") + conv + "'");
        const bool is_signed = conv == 'd' || conv == 'i';
        if (!bin.take(longs ? 8 : 4, 4))
            return fail(ENOSPC, "bpf_seq_printf: too much argument data");
        // The common plain conversions (no flag, no width) are written
        // directly: snprintf with a built format string was most of the
        // cost of an iterator printing a line per element.
        if (spec.size() == 1 && conv != 'X') {
            char buf[24];
            const int base = conv == 'x' ? 16 : 10;
            std::to_chars_result r;
            if (longs)
                r = is_signed
                        ? std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(arg), base)
                        : std::to_chars(buf, buf + sizeof buf, arg, base);
            else
                r = is_signed
                        ? std::to_chars(buf, buf + sizeof buf, static_cast<int32_t>(arg), base)
                        : std::to_chars(buf, buf + sizeof buf, static_cast<uint32_t>(arg), base);
            out.append(buf, r.ptr);
            return i;
        }
        if (longs) {
            std::string f = spec + "ll" + conv;
            out += is_signed ? printf_one(f, static_cast<long long>(arg))
                             : printf_one(f, static_cast<unsigned long long>(arg));
        } else {
            std::string f = spec + conv;
            out += is_signed ? printf_one(f, static_cast<int>(static_cast<int32_t>(arg)))
                             : printf_one(f, static_cast<unsigned>(static_cast<uint32_t>(arg)));
        }
        return i;
    }

    // Parses the conversion starting at the '%' at start; returns the
    // index of its last character.
    Result<size_t> conversion(size_t start) {
        if (used >= args.size())
            return bad_format(start, "more conversions than the " + std::to_string(args.size()) +
                                         " arguments given");
        const uint64_t arg = args[used++];
        size_t i = start + 1;
        std::string spec = "%";
        while (i < fmt.size() && std::strchr("0+- ", fmt[i]) != nullptr)
            spec += fmt[i++];
        if (i < fmt.size() && fmt[i] >= '1' && fmt[i] <= '9') {
            while (i < fmt.size() && std::isdigit(static_cast<unsigned char>(fmt[i])))
                spec += fmt[i++];
        }
        if (i >= fmt.size()) return bad_format(start, "incomplete conversion");
        switch (fmt[i]) {
            case 'p':
                return pointer_conversion(i, spec, arg);
            case 's':
                return string_conversion(i, spec, arg);
            case 'c':
                if (!bin.take(1, 1)) return fail(ENOSPC, "bpf_seq_printf: too much argument data");
                out += printf_one(spec + "c", int(uint8_t(arg)));
                return i;
            default:
                return integer_conversion(i, spec, arg);
        }
    }

    Result<std::string> run() {
        for (size_t i = 0; i < fmt.size(); ++i) {
            const auto c = static_cast<unsigned char>(fmt[i]);
            if (!isascii(c) || (!std::isprint(c) && !std::isspace(c)))
                return bad_format(i, "not a printable ASCII character");
            if (c != '%') {
                out += char(c);
                continue;
            }
            if (i + 1 < fmt.size() && fmt[i + 1] == '%') {
                out += '%';
                ++i;
                continue;
            }
            auto last = conversion(i);
            if (!last) return tl::unexpected(last.error());
            i = *last;
        }
        return std::move(out);
    }
};

}  // namespace

Result<std::string> format_seq_printf(std::string_view fmt, std::span<const uint64_t> args,
                                      const SeqFormatMemory &memory) {
    Parser parser{fmt, args, memory, {}, {}, 0};
    return parser.run();
}

}  // namespace bpffs
