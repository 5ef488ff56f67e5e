// `prog dump xlated`: the instructions in the notation of the kernel's
// disassembler as bpftool 7.1 carries it (kernel 6.1's kernel/bpf/disasm.c),
// with bpftool's callbacks: maps as map[id:N], global data as
// map[id:N][0]+OFF, helpers by name, sub-program calls relative (an
// interpreted program has no JIT symbols to name them). With BTF, function
// signatures precede each function and "; <source>" lines precede the
// instructions that line_info marks.
#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

#include "core/btf/btf.h"

namespace bpffsctl {

class JsonWriter;

// One instruction (and, for ldimm64, its second half in insns[1]):
// "(bf) r6 = r1", without a newline.
std::string insn_text(std::span<const bpf_insn> insns);

// bpftool's btf_dumper_type_only: "int f(struct x * ctx)" for a FUNC, ""
// when the type cannot be printed.
std::string btf_type_only(const bpffs::btf::Btf &btf, uint32_t type_id);

struct XlatedProgram {
    std::vector<bpf_insn> insns;
    std::vector<bpf_func_info> func_info;  // insn_off in instructions
    std::vector<bpf_line_info> line_info;
    const bpffs::btf::Btf *btf = nullptr;  // the program's BTF, if any
};

struct DumpOptions {
    bool opcodes = false;
    bool linum = false;
};

void dump_xlated_plain(FILE *out, const XlatedProgram &prog, const DumpOptions &opts);
void dump_xlated_json(JsonWriter &jw, const XlatedProgram &prog, const DumpOptions &opts);

}  // namespace bpffsctl
