// The helpers iterator programs write their output with, by the kernel's
// helper ids: bpf_seq_printf (126), bpf_seq_write (127) and
// bpf_seq_printf_btf (150, types from the daemon's BTF). They write to
// the SeqFile of the session whose program is running: the RunContext's
// user pointer is that IterSession (set by BpfIterProgram), and the `seq`
// argument must be the session's own seq_file (the meta's seq), else a
// bounds-checked run faults.
#pragma once

#include <cstdint>

#include "core/vm/helpers.h"

namespace bpffs {

namespace helper_id {
inline constexpr int32_t kSeqPrintf = 126, kSeqWrite = 127, kSeqPrintfBtf = 150;
}

void register_seq_helpers(vm::HelperTable &table);

// The standard helpers plus the seq helpers: what iterator programs load with.
const vm::HelperTable &iter_helper_table();

}  // namespace bpffs
