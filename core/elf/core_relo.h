// CO-RE (compile once, run everywhere): computing each relocation of
// .BTF.ext against a *target* BTF (the daemon's) and patching the
// instruction, following libbpf's algorithm (relo_core.c): candidates are
// target types with the same name once a `___flavour` suffix is dropped,
// the access string is walked field by field with compatibility checks,
// and every candidate must agree. A relocation with no match is poisoned
// when libbpf poisons it (field reads, enum values): the instruction
// becomes a call to an invalid helper that fails only if it is reached.
#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <span>
#include <string_view>

#include "core/btf/btf.h"
#include "core/elf/btf_ext.h"
#include "core/result.h"

namespace bpffs::elf {

// The helper id of a poisoned instruction (libbpf: 0xbad2310); the verifier
// reports "invalid func unknown#195896080" if it can be reached.
inline constexpr int32_t kCorePoisonHelper = 0xbad2310;

// The result of one relocation: the value the compiler assumed (from the
// local BTF) and the value for the target.
struct CoreResult {
    uint64_t orig_val = 0;
    uint64_t new_val = 0;
    uint32_t orig_size = 0;  // memory access size (FIELD_BYTE_OFFSET; 0 otherwise)
    uint32_t new_size = 0;
    bool poison = false;
    bool validate = true;           // the instruction must hold orig_val
    bool fail_size_adjust = false;  // a load/store cannot change size safely
};

// A name without its "___flavour" suffix (libbpf's essential name).
std::string_view core_essential_name(std::string_view name);

Result<CoreResult> calc_core_relo(const btf::Btf &local, const btf::Btf &target,
                                  const CoreRelo &relo);

// Patches insns[index] (and its ldimm64 second half) with the result.
Status patch_core_insn(std::span<bpf_insn> insns, size_t index, const CoreResult &res,
                       const CoreRelo &relo);

// Applies every relocation of one section's instructions.
Status apply_core_relos(std::span<bpf_insn> insns, std::span<const CoreRelo> relos,
                        const btf::Btf &local, const btf::Btf &target, std::string_view section);

}  // namespace bpffs::elf
