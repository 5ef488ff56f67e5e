// A small assembler for the ubpf-like syntax of the bpf_conformance corpus,
// e.g. "mov %r0, 1\nexit". Used by the conformance runner and by tests.
//
//   add|sub|mul|div|sdiv|or|and|lsh|rsh|mod|smod|xor|mov|arsh[32] %rD, %rS|imm
//   neg[32] %rD     le|be16/32/64 %rD     bswap|swap16/32/64 %rD
//   movsx{8,16}{32,64} / movsx3264 %rD, %rS
//   ldx{b,h,w,dw,sb,sh,sw} %rD, [%rS+off]     st{b,h,w,dw} [%rD+off], imm
//   stx{b,h,w,dw} [%rD+off], %rS              lddw %rD, imm64
//   lock [fetch] add|or|and|xor|xchg|cmpxchg[32] [%rD+off], %rS
//   ja label|+off     ja32 label|+off    jCC[32] %rD, %rS|imm, label|+off
//   call N | call helper N | call local label | call %rN (callx)     exit
//   ld_map_fd %rD, fd     ld_map_value %rD, fd, off   (LDDW src 1 and 2)
//   ld_func %rD, label|off                            (LDDW src 4: a callback)
// '#' starts a comment; "name:" defines a label; the label "exit", unless
// defined, names the first exit instruction (as bpf_conformance's assembler).
#pragma once

#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/vm/isa.h"

namespace bpffs::vm {

// Errors are EINVAL naming the line and what could not be assembled.
Result<std::vector<Insn>> assemble(std::string_view text);

}  // namespace bpffs::vm
