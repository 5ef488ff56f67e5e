#include "core/vm/assembler.h"

#include <cerrno>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>

namespace bpffs::vm {
namespace {

std::string trim(std::string_view s) {
    size_t b = s.find_first_not_of(" \t\r");
    if (b == std::string_view::npos) return "";
    size_t e = s.find_last_not_of(" \t\r");
    return std::string(s.substr(b, e - b + 1));
}

std::vector<std::string> split(std::string_view s, char sep) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= s.size()) {
        size_t end = s.find(sep, start);
        if (end == std::string_view::npos) end = s.size();
        std::string part = trim(s.substr(start, end - start));
        if (!part.empty()) out.push_back(part);
        start = end + 1;
    }
    return out;
}

std::vector<std::string> words(std::string_view s) {
    std::vector<std::string> out;
    for (auto &w : split(s, ' '))
        for (auto &x : split(w, '\t'))
            out.push_back(x);
    return out;
}

bool ends_with(const std::string &s, std::string_view suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A failure while assembling one line; the caller adds the line number.
struct LineError {
    std::string message;
};

std::optional<uint64_t> parse_number(std::string_view s) {
    bool neg = false;
    if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        s.remove_prefix(1);
    }
    int base = 10;
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s.remove_prefix(2);
    }
    if (s.empty()) return std::nullopt;
    std::string digits(s);
    char *end = nullptr;
    errno = 0;
    unsigned long long v = std::strtoull(digits.c_str(), &end, base);
    if (errno != 0 || *end != '\0' || digits[0] == '-' || digits[0] == '+') return std::nullopt;
    return neg ? 0 - uint64_t(v) : uint64_t(v);
}

class Assembler {
  public:
    Result<std::vector<Insn>> run(std::string_view text);

  private:
    void line(std::string text);
    void emit(Insn in) { out_.push_back(in); }

    uint8_t reg(const std::string &s);
    int32_t imm32(const std::string &s);
    int16_t off16(const std::string &s);
    std::pair<uint8_t, int16_t> memory(const std::string &s);
    int16_t jump_target(const std::string &s, bool call = false);

    void alu(const std::string &m, const std::vector<std::string> &ops);
    void jmp(const std::string &m, const std::vector<std::string> &ops);
    void call(const std::vector<std::string> &ops);
    void atomic(const std::vector<std::string> &ops);
    void expect(const std::vector<std::string> &ops, size_t n, const std::string &m);

    std::vector<Insn> out_;
    std::map<std::string, size_t> labels_;
    std::optional<size_t> first_exit_;
    struct Fixup {
        size_t index;
        std::string label;
        bool call;  // target goes into imm (call, ja32) rather than off
        int line;
    };
    std::vector<Fixup> fixups_;
    int line_no_ = 0;
    bool imm_target_ = false;  // set while assembling ja32
};

void Assembler::expect(const std::vector<std::string> &ops, size_t n, const std::string &m) {
    if (ops.size() != n)
        throw LineError{m + " takes " + std::to_string(n) + " operand(s), got " +
                        std::to_string(ops.size())};
}

uint8_t Assembler::reg(const std::string &s) {
    std::string_view v = s;
    if (!v.empty() && v[0] == '%') v.remove_prefix(1);
    if (v.size() < 2 || v[0] != 'r') throw LineError{"expected a register, got '" + s + "'"};
    auto n = parse_number(v.substr(1));
    if (!n || *n > 15 || v[1] == '+' || v[1] == '-')
        throw LineError{"invalid register '" + s + "'"};
    return uint8_t(*n);
}

int32_t Assembler::imm32(const std::string &s) {
    auto n = parse_number(s);
    if (!n) throw LineError{"invalid immediate '" + s + "'"};
    auto sv = int64_t(*n);
    if (sv < INT32_MIN || sv > int64_t(UINT32_MAX))
        throw LineError{"immediate '" + s + "' does not fit 32 bits"};
    return int32_t(uint32_t(*n));
}

int16_t Assembler::off16(const std::string &s) {
    auto n = parse_number(s);
    auto sv = int64_t(n.value_or(0));
    if (!n || sv < INT16_MIN || sv > int64_t(UINT16_MAX))
        throw LineError{"invalid offset '" + s + "'"};
    return int16_t(uint16_t(*n));
}

// "[%r1+2]", "[%r10-8]", "[%r1]"
std::pair<uint8_t, int16_t> Assembler::memory(const std::string &s) {
    if (s.size() < 4 || s.front() != '[' || s.back() != ']')
        throw LineError{"expected a memory operand [%rN+off], got '" + s + "'"};
    std::string inner = s.substr(1, s.size() - 2);
    size_t sign = inner.find_first_of("+-");
    if (sign == std::string::npos) return {reg(trim(inner)), 0};
    return {reg(trim(inner.substr(0, sign))), off16(trim(inner.substr(sign)))};
}

// A numeric "+N"/"-N"/"N" relative offset, or a label resolved at the end.
int16_t Assembler::jump_target(const std::string &s, bool call) {
    if (auto n = parse_number(s)) return call ? 0 : off16(s);
    fixups_.push_back({out_.size(), s, call || imm_target_, line_no_});
    return 0;
}

void Assembler::alu(const std::string &m, const std::vector<std::string> &ops) {
    static const std::map<std::string, uint8_t> kOps = {
        {"add", op::kAdd},  {"sub", op::kSub}, {"mul", op::kMul},  {"div", op::kDiv},
        {"sdiv", op::kDiv}, {"or", op::kOr},   {"and", op::kAnd},  {"lsh", op::kLsh},
        {"rsh", op::kRsh},  {"neg", op::kNeg}, {"mod", op::kMod},  {"smod", op::kMod},
        {"xor", op::kXor},  {"mov", op::kMov}, {"arsh", op::kArsh}};
    Insn in{};
    bool is32 = ends_with(m, "32");
    std::string base = is32 ? m.substr(0, m.size() - 2) : m;
    auto it = kOps.find(base);
    if (it == kOps.end()) throw LineError{"unknown mnemonic '" + m + "'"};
    in.code = uint8_t((is32 ? op::kAlu : op::kAlu64) | it->second);
    if (base == "sdiv" || base == "smod") in.off = 1;
    if (base == "neg") {
        expect(ops, 1, m);
        in.dst = reg(ops[0]);
        emit(in);
        return;
    }
    expect(ops, 2, m);
    in.dst = reg(ops[0]);
    if (ops[1][0] == '%' || ops[1][0] == 'r') {
        in.code |= op::kX;
        in.src = reg(ops[1]);
    } else {
        in.imm = imm32(ops[1]);
    }
    emit(in);
}

void Assembler::jmp(const std::string &m, const std::vector<std::string> &ops) {
    static const std::map<std::string, uint8_t> kOps = {
        {"jeq", op::kJeq}, {"jgt", op::kJgt},   {"jge", op::kJge},   {"jset", op::kJset},
        {"jne", op::kJne}, {"jsgt", op::kJsgt}, {"jsge", op::kJsge}, {"jlt", op::kJlt},
        {"jle", op::kJle}, {"jslt", op::kJslt}, {"jsle", op::kJsle}};
    bool is32 = ends_with(m, "32");
    std::string base = is32 ? m.substr(0, m.size() - 2) : m;
    auto it = kOps.find(base);
    if (it == kOps.end()) throw LineError{"unknown mnemonic '" + m + "'"};
    expect(ops, 3, m);
    Insn in{};
    in.code = uint8_t((is32 ? op::kJmp32 : op::kJmp) | it->second);
    in.dst = reg(ops[0]);
    if (ops[1][0] == '%' || ops[1][0] == 'r') {
        in.code |= op::kX;
        in.src = reg(ops[1]);
    } else {
        in.imm = imm32(ops[1]);
    }
    in.off = jump_target(ops[2]);
    emit(in);
}

void Assembler::call(const std::vector<std::string> &ops) {
    // "call 5", "call helper 5", "call local label", "call %r2"
    std::vector<std::string> w;
    for (auto &o : ops)
        for (auto &x : words(o))
            w.push_back(x);
    Insn in{};
    in.code = op::kJmp | op::kCall;
    if (w.size() == 1 && (w[0][0] == '%' || w[0][0] == 'r')) {
        in.code |= op::kX;  // callx: not in RFC 9669; the VM rejects it
        in.dst = reg(w[0]);
    } else if (w.size() == 1 || (w.size() == 2 && w[0] == "helper")) {
        in.imm = imm32(w.back());
    } else if (w.size() == 2 && w[0] == "local") {
        in.src = op::kCallLocal;
        if (auto n = parse_number(w[1]))
            in.imm = imm32(w[1]);
        else
            jump_target(w[1], true);
    } else if (w.size() == 2 && w[0] == "runtime") {
        in.src = op::kCallKfunc;
        in.imm = imm32(w[1]);
    } else {
        throw LineError{"call takes N, helper N, local label or %rN"};
    }
    emit(in);
}

void Assembler::atomic(const std::vector<std::string> &ops) {
    // ops[0] = "[fetch] op[32] [%rD+off]", ops[1] = "%rS"
    if (ops.size() != 2) throw LineError{"lock takes [fetch] op [%rD+off], %rS"};
    std::vector<std::string> w = words(ops[0]);
    if (w.size() < 2) throw LineError{"lock takes [fetch] op [%rD+off], %rS"};
    bool fetch = w[0] == "fetch";
    if (fetch) w.erase(w.begin());
    if (w.size() != 2) throw LineError{"lock takes [fetch] op [%rD+off], %rS"};
    std::string name = w[0];
    bool is32 = ends_with(name, "32");
    if (is32) name.resize(name.size() - 2);
    static const std::map<std::string, int32_t> kOps = {
        {"add", op::kAtomicAdd}, {"or", op::kAtomicOr}, {"and", op::kAtomicAnd},
        {"xor", op::kAtomicXor}, {"xchg", op::kXchg},   {"cmpxchg", op::kCmpxchg}};
    auto it = kOps.find(name);
    if (it == kOps.end()) throw LineError{"unknown atomic operation '" + w[0] + "'"};
    Insn in{};
    in.code = uint8_t(op::kStx | op::kAtomic | (is32 ? op::kW : op::kDW));
    auto [dst, off] = memory(w[1]);
    in.dst = dst;
    in.off = off;
    in.src = reg(ops[1]);
    in.imm = it->second | (fetch ? op::kFetch : 0);
    emit(in);
}

void Assembler::line(std::string text) {
    if (size_t hash = text.find('#'); hash != std::string::npos) text.resize(hash);
    text = trim(text);
    if (text.empty()) return;
    // Labels: "name:" alone or before an instruction.
    if (size_t colon = text.find(':'); colon != std::string::npos && text.find('[') > colon) {
        std::string label = trim(text.substr(0, colon));
        if (labels_.count(label)) throw LineError{"label '" + label + "' defined twice"};
        labels_[label] = out_.size();
        text = trim(text.substr(colon + 1));
        if (text.empty()) return;
    }
    size_t sp = text.find_first_of(" \t");
    std::string m = text.substr(0, sp);
    std::vector<std::string> ops =
        sp == std::string::npos ? std::vector<std::string>{} : split(text.substr(sp), ',');
    static const std::map<std::string, uint8_t> kLdx = {
        {"ldxb", op::kMem | op::kB},    {"ldxh", op::kMem | op::kH},
        {"ldxw", op::kMem | op::kW},    {"ldxdw", op::kMem | op::kDW},
        {"ldxsb", op::kMemsx | op::kB}, {"ldxsh", op::kMemsx | op::kH},
        {"ldxsw", op::kMemsx | op::kW}};
    static const std::map<std::string, uint8_t> kSize = {
        {"b", op::kB}, {"h", op::kH}, {"w", op::kW}, {"dw", op::kDW}};
    Insn in{};
    if (m == "exit") {
        expect(ops, 0, m);
        if (!first_exit_) first_exit_ = out_.size();
        in.code = op::kJmp | op::kExit;
        emit(in);
    } else if (m == "ja" || m == "ja32") {
        expect(ops, 1, m);
        in.code = m == "ja" ? op::kJmp | op::kJa : op::kJmp32 | op::kJa;
        imm_target_ = m == "ja32";
        int16_t off = jump_target(ops[0]);
        imm_target_ = false;
        if (m == "ja")
            in.off = off;
        else if (auto n = parse_number(ops[0]))
            in.imm = imm32(ops[0]);
        emit(in);
    } else if (m == "call") {
        call(ops);
    } else if (m == "lock") {
        atomic(ops);
    } else if (m == "ld_func") {
        // A function's address (LDDW src 4), relative like a local call.
        expect(ops, 2, m);
        in.code = op::kLddw;
        in.dst = reg(ops[0]);
        in.src = op::kPseudoFunc;
        if (parse_number(ops[1]))
            in.imm = imm32(ops[1]);
        else
            jump_target(ops[1], true);
        emit(in);
        emit(Insn{});
    } else if (m == "lddw" || m == "ld_map_fd" || m == "ld_map_value") {
        expect(ops, m == "ld_map_value" ? 3 : 2, m);
        in.code = op::kLddw;
        in.dst = reg(ops[0]);
        Insn hi{};
        if (m == "lddw") {
            auto v = parse_number(ops[1]);
            if (!v) throw LineError{"invalid immediate '" + ops[1] + "'"};
            in.imm = int32_t(uint32_t(*v));
            hi.imm = int32_t(uint32_t(*v >> 32));
        } else {
            in.src = m == "ld_map_fd" ? op::kPseudoMapFd : op::kPseudoMapValue;
            in.imm = imm32(ops[1]);
            if (m == "ld_map_value") hi.imm = imm32(ops[2]);
        }
        emit(in);
        emit(hi);
    } else if (auto it = kLdx.find(m); it != kLdx.end()) {
        expect(ops, 2, m);
        in.code = op::kLdx | it->second;
        in.dst = reg(ops[0]);
        auto [s, off] = memory(ops[1]);
        in.src = s;
        in.off = off;
        emit(in);
    } else if (m.rfind("stx", 0) == 0 && kSize.count(m.substr(3))) {
        expect(ops, 2, m);
        in.code = uint8_t(op::kStx | op::kMem | kSize.at(m.substr(3)));
        auto [d, off] = memory(ops[0]);
        in.dst = d;
        in.off = off;
        in.src = reg(ops[1]);
        emit(in);
    } else if (m.rfind("st", 0) == 0 && kSize.count(m.substr(2))) {
        expect(ops, 2, m);
        in.code = uint8_t(op::kSt | op::kMem | kSize.at(m.substr(2)));
        auto [d, off] = memory(ops[0]);
        in.dst = d;
        in.off = off;
        in.imm = imm32(ops[1]);
        emit(in);
    } else if (m.rfind("movsx", 0) == 0) {
        // movsx<from><to>: movsx832, movsx864, movsx1632, movsx1664, movsx3264
        expect(ops, 2, m);
        std::string widths = m.substr(5);
        if (widths.size() < 3) throw LineError{"unknown mnemonic '" + m + "'"};
        std::string to = widths.substr(widths.size() - 2);
        auto from = parse_number(widths.substr(0, widths.size() - 2));
        if (!from || (to != "32" && to != "64")) throw LineError{"unknown mnemonic '" + m + "'"};
        in.code = uint8_t((to == "32" ? op::kAlu : op::kAlu64) | op::kMov | op::kX);
        in.off = int16_t(*from);
        in.dst = reg(ops[0]);
        in.src = reg(ops[1]);
        emit(in);
    } else if (m.rfind("le", 0) == 0 || m.rfind("be", 0) == 0 || m.rfind("bswap", 0) == 0 ||
               m.rfind("swap", 0) == 0) {
        expect(ops, 1, m);
        bool unconditional = m[0] == 'b' && m[1] == 's' ? true : m[0] == 's';
        std::string width = m.substr(unconditional ? (m[0] == 'b' ? 5 : 4) : 2);
        auto w = parse_number(width);
        if (!w || width.empty()) throw LineError{"unknown mnemonic '" + m + "'"};
        if (unconditional)
            in.code = op::kAlu64 | op::kEnd;
        else
            in.code = uint8_t(op::kAlu | op::kEnd | (m[0] == 'b' ? op::kToBe : op::kToLe));
        in.dst = reg(ops[0]);
        in.imm = int32_t(*w);
        emit(in);
    } else if (m[0] == 'j') {
        jmp(m, ops);
    } else {
        alu(m, ops);
    }
}

Result<std::vector<Insn>> Assembler::run(std::string_view text) {
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        ++line_no_;
        try {
            line(std::string(text.substr(start, end - start)));
        } catch (const LineError &e) {
            return fail(EINVAL, "line " + std::to_string(line_no_) + ": " + e.message);
        }
        start = end + 1;
    }
    if (first_exit_ && !labels_.count("exit")) labels_["exit"] = *first_exit_;
    for (const Fixup &f : fixups_) {
        auto it = labels_.find(f.label);
        if (it == labels_.end())
            return fail(EINVAL,
                        "line " + std::to_string(f.line) + ": unknown label '" + f.label + "'");
        int64_t rel = int64_t(it->second) - int64_t(f.index) - 1;
        if (f.call) {
            out_[f.index].imm = int32_t(rel);
        } else {
            if (rel < INT16_MIN || rel > INT16_MAX)
                return fail(EINVAL, "line " + std::to_string(f.line) + ": jump to '" + f.label +
                                        "' is too far for a 16-bit offset");
            out_[f.index].off = int16_t(rel);
        }
    }
    return std::move(out_);
}

}  // namespace

Result<std::vector<Insn>> assemble(std::string_view text) {
    return Assembler().run(text);
}

}  // namespace bpffs::vm
