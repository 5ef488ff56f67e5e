#include "tools/bpffsctl/xlated_dump.h"

#include <cctype>
#include <cstdarg>
#include <cstring>
#include <string_view>

#include "tools/bpffsctl/cli.h"
#include "tools/bpffsctl/json_writer.h"

namespace bpffsctl {

namespace {

// Helper names by id, from the UAPI header's list (the one bpftool 7.1 was
// built with: ids past it print as addresses, as there).
#define BPFFS_HELPER_NAME(x) "bpf_" #x
const char *const kHelperNames[] = {__BPF_FUNC_MAPPER(BPFFS_HELPER_NAME)};
#undef BPFFS_HELPER_NAME
constexpr int kHelperCount = static_cast<int>(sizeof(kHelperNames) / sizeof(kHelperNames[0]));

// The operator tables of the disassembler. A hole prints as glibc prints
// a NULL %s: "(null)".
const char *alu_op(uint8_t code) {
    static const char *const ops[16] = {"+=",   "-=",     "*=",    "/=",   "|=", "&=",
                                        "<<=",  ">>=",    "neg",   "%=",   "^=", "=",
                                        "s>>=", "endian", nullptr, nullptr};
    const char *s = ops[BPF_OP(code) >> 4];
    return s ? s : "(null)";
}

const char *jmp_op(uint8_t code) {
    static const char *const ops[16] = {"jmp",  "==",   ">", ">=", "&",  "!=",  "s>",    "s>=",
                                        "call", "exit", "<", "<=", "s<", "s<=", nullptr, nullptr};
    const char *s = ops[BPF_OP(code) >> 4];
    return s ? s : "(null)";
}

const char *size_name(uint8_t code) {
    switch (BPF_SIZE(code)) {
        case BPF_W:
            return "u32";
        case BPF_H:
            return "u16";
        case BPF_B:
            return "u8";
        default:
            return "u64";
    }
}

const char *atomic_op(int32_t imm) {
    switch (BPF_OP(imm)) {
        case BPF_ADD:
            return "add";
        case BPF_AND:
            return "and";
        case BPF_OR:
            return "or";
        default:
            return "xor";
    }
}

char reg_prefix(bool wide) {
    return wide ? 'r' : 'w';
}

std::string alu_text(const bpf_insn &i) {
    const bool wide = BPF_CLASS(i.code) == BPF_ALU64;
    const char r = reg_prefix(wide);
    if (BPF_OP(i.code) == BPF_END) {
        if (wide) return format("BUG_alu64_%02x", i.code);
        return format("(%02x) r%d = %s%d r%d", i.code, i.dst_reg,
                      BPF_SRC(i.code) == BPF_TO_BE ? "be" : "le", i.imm, i.dst_reg);
    }
    if (BPF_OP(i.code) == BPF_NEG)
        return format("(%02x) %c%d = -%c%d", i.code, r, i.dst_reg, r, i.dst_reg);
    if (BPF_SRC(i.code) == BPF_X)
        return format("(%02x) %c%d %s %c%d", i.code, r, i.dst_reg, alu_op(i.code), r, i.src_reg);
    return format("(%02x) %c%d %s %d", i.code, r, i.dst_reg, alu_op(i.code), i.imm);
}

std::string stx_text(const bpf_insn &i) {
    const char *sz = size_name(i.code);
    if (BPF_MODE(i.code) == BPF_MEM)
        return format("(%02x) *(%s *)(r%d %+d) = r%d", i.code, sz, i.dst_reg, i.off, i.src_reg);
    if (BPF_MODE(i.code) != BPF_ATOMIC) return format("BUG_%02x", i.code);
    const char *width = BPF_SIZE(i.code) == BPF_DW ? "64" : "";
    switch (i.imm) {
        case BPF_ADD:
        case BPF_AND:
        case BPF_OR:
        case BPF_XOR:
            return format("(%02x) lock *(%s *)(r%d %+d) %s r%d", i.code, sz, i.dst_reg, i.off,
                          alu_op(static_cast<uint8_t>(i.imm)), i.src_reg);
        case BPF_ADD | BPF_FETCH:
        case BPF_AND | BPF_FETCH:
        case BPF_OR | BPF_FETCH:
        case BPF_XOR | BPF_FETCH:
            return format("(%02x) r%d = atomic%s_fetch_%s((%s *)(r%d %+d), r%d)", i.code, i.src_reg,
                          width, atomic_op(i.imm), sz, i.dst_reg, i.off, i.src_reg);
        case BPF_CMPXCHG:
            return format("(%02x) r0 = atomic%s_cmpxchg((%s *)(r%d %+d), r0, r%d)", i.code, width,
                          sz, i.dst_reg, i.off, i.src_reg);
        case BPF_XCHG:
            return format("(%02x) r%d = atomic%s_xchg((%s *)(r%d %+d), r%d)", i.code, i.src_reg,
                          width, sz, i.dst_reg, i.off, i.src_reg);
        default:
            return format("BUG_%02x", i.code);
    }
}

// bpftool's print_imm callback.
std::string ldimm64_text(std::span<const bpf_insn> insns) {
    const bpf_insn &i = insns[0];
    const int32_t next_imm = insns.size() > 1 ? insns[1].imm : 0;
    std::string value;
    switch (i.src_reg) {
        case BPF_PSEUDO_MAP_FD:
            value = format("map[id:%u]", static_cast<uint32_t>(i.imm));
            break;
        case BPF_PSEUDO_MAP_VALUE:
            value = format("map[id:%u][0]+%u", static_cast<uint32_t>(i.imm),
                           static_cast<uint32_t>(next_imm));
            break;
        case BPF_PSEUDO_MAP_IDX_VALUE:
            value = format("map[idx:%u]+%u", static_cast<uint32_t>(i.imm),
                           static_cast<uint32_t>(next_imm));
            break;
        case BPF_PSEUDO_FUNC:
            value = format("subprog[%+d]", i.imm);
            break;
        default: {
            uint64_t full = (static_cast<uint64_t>(static_cast<uint32_t>(next_imm)) << 32) |
                            static_cast<uint32_t>(i.imm);
            value = format("0x%llx", static_cast<unsigned long long>(full));
        }
    }
    return format("(%02x) r%d = %s", i.code, i.dst_reg, value.c_str());
}

std::string ld_text(std::span<const bpf_insn> insns) {
    const bpf_insn &i = insns[0];
    if (BPF_MODE(i.code) == BPF_ABS)
        return format("(%02x) r0 = *(%s *)skb[%d]", i.code, size_name(i.code), i.imm);
    if (BPF_MODE(i.code) == BPF_IND)
        return format("(%02x) r0 = *(%s *)skb[r%d + %d]", i.code, size_name(i.code), i.src_reg,
                      i.imm);
    if (BPF_MODE(i.code) == BPF_IMM && BPF_SIZE(i.code) == BPF_DW) return ldimm64_text(insns);
    return format("BUG_ld_%02x", i.code);
}

// bpftool's print_call: helpers by name; a sub-program call relative, as
// for a program without JIT symbols; anything else by address.
std::string call_text(const bpf_insn &i) {
    if (i.src_reg == BPF_PSEUDO_CALL) return format("(%02x) call pc%+d", i.code, i.imm);
    std::string name;
    if (i.imm >= 0 && i.imm < kHelperCount)
        name = kHelperNames[i.imm];
    else
        name = format("0x%lx", static_cast<unsigned long>(static_cast<long>(i.imm)));
    return format("(%02x) call %s#%d", i.code, name.c_str(), i.imm);
}

std::string jmp_text(const bpf_insn &i) {
    const bool wide = BPF_CLASS(i.code) == BPF_JMP;
    const char r = reg_prefix(wide);
    if (BPF_OP(i.code) == BPF_CALL) return call_text(i);
    if (i.code == (BPF_JMP | BPF_JA)) return format("(%02x) goto pc%+d", i.code, i.off);
    if (i.code == (BPF_JMP | BPF_EXIT)) return format("(%02x) exit", i.code);
    if (BPF_SRC(i.code) == BPF_X)
        return format("(%02x) if %c%d %s %c%d goto pc%+d", i.code, r, i.dst_reg, jmp_op(i.code), r,
                      i.src_reg, i.off);
    return format("(%02x) if %c%d %s 0x%x goto pc%+d", i.code, r, i.dst_reg, jmp_op(i.code),
                  static_cast<uint32_t>(i.imm), i.off);
}

std::string_view ltrim(std::string_view s) {
    while (!s.empty() && isspace(static_cast<unsigned char>(s.front())))
        s.remove_prefix(1);
    return s;
}

// bpf_prog_linfo__lfind: the last line_info at or after index skip whose
// insn_off is <= insn, if it is exactly insn.
const bpf_line_info *find_line(const std::vector<bpf_line_info> &lines, uint32_t insn,
                               size_t skip) {
    if (skip >= lines.size() || insn < lines[skip].insn_off) return nullptr;
    size_t i = skip;
    while (i + 1 < lines.size() && lines[i + 1].insn_off <= insn)
        ++i;
    return lines[i].insn_off == insn ? &lines[i] : nullptr;
}

std::string_view btf_string(const bpffs::btf::Btf *btf, uint32_t off) {
    if (btf == nullptr) return {};
    return btf->string_at(off).value_or(std::string_view{});
}

// Walks one program: calls on_func(signature) where func_info starts a
// function, on_line(line) where line_info marks one, on_insn(index, n)
// for each instruction (n = 2 for ldimm64).
template <class OnFunc, class OnLine, class OnInsn>
void walk(const XlatedProgram &prog, OnFunc on_func, OnLine on_line, OnInsn on_insn) {
    size_t record = 0;
    size_t nr_skip = 0;
    const size_t n = prog.insns.size();
    for (size_t i = 0; i < n; ++i) {
        if (prog.btf != nullptr && record < prog.func_info.size() &&
            prog.func_info[record].insn_off == i) {
            std::string sig = btf_type_only(*prog.btf, prog.func_info[record].type_id);
            if (!sig.empty()) on_func(sig);
            ++record;
        }
        if (prog.btf != nullptr && !prog.line_info.empty()) {
            if (const bpf_line_info *l =
                    find_line(prog.line_info, static_cast<uint32_t>(i), nr_skip)) {
                on_line(*l);
                ++nr_skip;
            }
        }
        const bool wide = prog.insns[i].code == (BPF_LD | BPF_IMM | BPF_DW);
        on_insn(i, wide && i + 1 < n ? 2 : 1);
        if (wide) ++i;
    }
}

void hex_bytes_plain(FILE *out, const void *p, size_t n) {
    auto b = static_cast<const uint8_t *>(p);
    for (size_t i = 0; i < n; ++i)
        fprintf(out, "%s%02hhx", i ? " " : "", b[i]);
}

void hex_bytes_json(JsonWriter &jw, const void *p, size_t n) {
    auto b = static_cast<const uint8_t *>(p);
    jw.start_array();
    for (size_t i = 0; i < n; ++i)
        jw.raw(format("\"0x%02hhx\"", b[i]));
    jw.end_array();
}

// Appends one type as bpftool's __btf_dumper_type_only does; false when
// it cannot (unknown kinds, bad ids, too deep).
bool type_only(const bpffs::btf::Btf &btf, uint32_t id, std::string &out, int depth);

bool func_only(const bpffs::btf::Btf &btf, const bpffs::btf::Type &proto, std::string_view name,
               bool named, std::string &out, int depth) {
    if (!type_only(btf, proto.type, out, depth + 1)) return false;
    out += named ? std::string(name) + "(" : "(";
    for (size_t i = 0; i < proto.params.size(); ++i) {
        if (i) out += ", ";
        const auto &p = proto.params[i];
        if (p.type == 0) {
            out += "...";
            continue;
        }
        if (!type_only(btf, p.type, out, depth + 1)) return false;
        if (!p.name.empty())
            out += p.name;
        else if (!out.empty() && out.back() == ' ')
            out.pop_back();
    }
    out += ")";
    return true;
}

bool type_only(const bpffs::btf::Btf &btf, uint32_t id, std::string &out, int depth) {
    if (depth > 64) return false;
    if (id == 0) {
        out += "void ";
        return true;
    }
    if (id > btf.type_count()) return false;
    const bpffs::btf::Type &t = btf.type(id);
    const std::string name(t.name);
    switch (t.kind) {
        case BTF_KIND_INT:
        case BTF_KIND_TYPEDEF:
        case BTF_KIND_FLOAT:
            out += name + " ";
            return true;
        case BTF_KIND_STRUCT:
            out += "struct " + name + " ";
            return true;
        case BTF_KIND_UNION:
            out += "union " + name + " ";
            return true;
        case BTF_KIND_ENUM:
            out += "enum " + name + " ";
            return true;
        case BTF_KIND_ARRAY:
            if (!type_only(btf, t.array_elem, out, depth + 1)) return false;
            out += format("[%d]", static_cast<int>(t.array_nelems));
            return true;
        case BTF_KIND_PTR:
            if (!type_only(btf, t.type, out, depth + 1)) return false;
            out += "* ";
            return true;
        case BTF_KIND_FWD:
            out += std::string(t.kflag ? "union " : "struct ") + name + " ";
            return true;
        case BTF_KIND_VOLATILE:
            out += "volatile ";
            return type_only(btf, t.type, out, depth + 1);
        case BTF_KIND_CONST:
            out += "const ";
            return type_only(btf, t.type, out, depth + 1);
        case BTF_KIND_RESTRICT:
            out += "restrict ";
            return type_only(btf, t.type, out, depth + 1);
        case BTF_KIND_FUNC_PROTO:
            return func_only(btf, t, "", false, out, depth);
        case BTF_KIND_FUNC:
            if (t.type == 0 || t.type > btf.type_count()) return false;
            return func_only(btf, btf.type(t.type), t.name, true, out, depth);
        case BTF_KIND_VAR:
            if (t.linkage == BTF_VAR_STATIC) out += "static ";
            if (!type_only(btf, t.type, out, depth + 1)) return false;
            out += " " + name;
            return true;
        case BTF_KIND_DATASEC:
            out += "section (\"" + name + "\") ";
            return true;
        default:
            return false;
    }
}

}  // namespace

std::string insn_text(std::span<const bpf_insn> insns) {
    const bpf_insn &i = insns[0];
    switch (BPF_CLASS(i.code)) {
        case BPF_ALU:
        case BPF_ALU64:
            return alu_text(i);
        case BPF_STX:
            return stx_text(i);
        case BPF_ST:
            if (BPF_MODE(i.code) == BPF_MEM)
                return format("(%02x) *(%s *)(r%d %+d) = %d", i.code, size_name(i.code), i.dst_reg,
                              i.off, i.imm);
            if (BPF_MODE(i.code) == 0xc0) return format("(%02x) nospec", i.code);
            return format("BUG_st_%02x", i.code);
        case BPF_LDX:
            if (BPF_MODE(i.code) != BPF_MEM) return format("BUG_ldx_%02x", i.code);
            return format("(%02x) r%d = *(%s *)(r%d %+d)", i.code, i.dst_reg, size_name(i.code),
                          i.src_reg, i.off);
        case BPF_LD:
            return ld_text(insns);
        default:  // BPF_JMP, BPF_JMP32
            return jmp_text(i);
    }
}

std::string btf_type_only(const bpffs::btf::Btf &btf, uint32_t type_id) {
    std::string out;
    // bpftool formats into a 1024-byte buffer and gives up past it.
    if (!type_only(btf, type_id, out, 0) || out.size() >= 1024) return "";
    return out;
}

void dump_xlated_plain(FILE *out, const XlatedProgram &prog, const DumpOptions &opts) {
    walk(
        prog, [&](const std::string &sig) { fprintf(out, "%s:\n", sig.c_str()); },
        [&](const bpf_line_info &l) {
            std::string_view line = btf_string(prog.btf, l.line_off);
            std::string text(ltrim(line));
            if (opts.linum)
                fprintf(out, "; %s [file:%s line_num:%u line_col:%u]\n", text.c_str(),
                        std::string(btf_string(prog.btf, l.file_name_off)).c_str(),
                        BPF_LINE_INFO_LINE_NUM(l.line_col), BPF_LINE_INFO_LINE_COL(l.line_col));
            else
                fprintf(out, "; %s\n", text.c_str());
        },
        [&](size_t i, size_t n) {
            std::span<const bpf_insn> at(prog.insns.data() + i, n);
            fprintf(out, "% 4d: %s\n", static_cast<int>(i), insn_text(at).c_str());
            if (opts.opcodes) {
                fputs("       ", out);
                hex_bytes_plain(out, &at[0], 8);
                if (n == 2) {
                    fputs(" ", out);
                    hex_bytes_plain(out, &at[1], 8);
                }
                fputs("\n", out);
            }
        });
}

void dump_xlated_json(JsonWriter &jw, const XlatedProgram &prog, const DumpOptions &opts) {
    jw.start_array();
    bool open = false;
    auto ensure_open = [&] {
        if (!open) jw.start_object();
        open = true;
    };
    walk(
        prog,
        [&](const std::string &sig) {
            ensure_open();
            jw.string_field("proto", sig);
        },
        [&](const bpf_line_info &l) {
            ensure_open();
            if (auto line = prog.btf->string_at(l.line_off))
                jw.string_field("src", std::string(ltrim(*line)));
            if (opts.linum) {
                if (auto file = prog.btf->string_at(l.file_name_off))
                    jw.string_field("file", std::string(*file));
                if (BPF_LINE_INFO_LINE_NUM(l.line_col))
                    jw.int_field("line_num", BPF_LINE_INFO_LINE_NUM(l.line_col));
                if (BPF_LINE_INFO_LINE_COL(l.line_col))
                    jw.int_field("line_col", BPF_LINE_INFO_LINE_COL(l.line_col));
            }
        },
        [&](size_t i, size_t n) {
            ensure_open();
            std::span<const bpf_insn> at(prog.insns.data() + i, n);
            jw.string_field("disasm", insn_text(at));
            if (opts.opcodes) {
                const bpf_insn &insn = at[0];
                jw.name("opcodes");
                jw.start_object();
                jw.name("code");
                jw.raw(format("\"0x%02hhx\"", insn.code));
                jw.name("src_reg");
                jw.raw(format("\"0x%hhx\"", static_cast<uint8_t>(insn.src_reg)));
                jw.name("dst_reg");
                jw.raw(format("\"0x%hhx\"", static_cast<uint8_t>(insn.dst_reg)));
                jw.name("off");
                hex_bytes_json(jw, &insn.off, 2);
                jw.name("imm");
                // bpftool prints 12 bytes for ldimm64: the imm and the
                // second instruction's first 8 bytes.
                uint8_t imm[12] = {};
                memcpy(imm, &insn.imm, 4);
                if (n == 2) memcpy(imm + 4, &at[1], 8);
                hex_bytes_json(jw, imm, n == 2 ? 12 : 4);
                jw.end_object();
            }
            jw.end_object();
            open = false;
        });
    jw.end_array();
}

}  // namespace bpffsctl
