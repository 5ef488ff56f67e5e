// The verifier: proves, before a program first runs, that every path
// through it only touches memory it was given, reads only initialised
// registers and stack, calls helpers with arguments of the right kind and
// terminates, in the manner of the kernel's kernel/bpf/verifier.c (a
// path-sensitive abstract interpretation with state pruning).
//
// The caller describes the program's environment (ProgramEnv: its type,
// context layout, helpers, the maps its 64-bit immediates resolved to,
// privilege, log settings) and gets a Verdict: success with what the
// run-time needs (recorded buffer accesses, loads to run as probe loads),
// or an errno like the kernel's (EACCES unsafe, EINVAL malformed, E2BIG too
// large or complex, ENOSPC log too small), with the log either way.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/vm/helpers.h"
#include "core/vm/isa.h"

namespace bpffs {
class Map;
}

namespace bpffs::vm::verifier {

// What a program reads through a pointer field of its context, or reaches
// through a BTF-described object: a struct the daemon lays out (kview).
struct BtfStruct;

// How one context field may be used.
enum class CtxSlotKind {
    btf_object,  // pointer to a read-only BTF-described object (meta, bpf_map, ...)
    rdonly_buf,  // read-only buffer of a size known at attach (map element key)
    rdwr_buf,    // read-write buffer of a size known at attach (map element value)
    scalar,      // an integer field
};

struct CtxSlot {
    std::string name;
    uint32_t offset = 0;
    uint32_t size = 8;
    CtxSlotKind kind = CtxSlotKind::scalar;
    bool nullable = false;
    const BtfStruct *object = nullptr;  // for btf_object
};

enum class ProgKind {
    iterator,       // BPF_PROG_TYPE_TRACING / BPF_TRACE_ITER: read-only context, returns 0 or 1
    socket_filter,  // BPF_PROG_TYPE_SOCKET_FILTER: struct __sk_buff context, any scalar return
};

// A map a 64-bit immediate load resolved to, by the LDDW's instruction index.
struct MapRef {
    size_t index = 0;
    const Map *map = nullptr;
    bool direct_value = false;  // src 2 (map value address), else src 1 (map pointer)
    uint32_t value_offset = 0;
};

struct ProgramEnv {
    ProgKind kind = ProgKind::iterator;
    std::string ctx_name;      // e.g. "bpf_iter__bpf_map_elem" (for messages)
    std::vector<CtxSlot> ctx;  // iterator context fields, meta included
    uint32_t ctx_size = 0;     // bytes of the context struct
    const HelperTable *helpers = nullptr;
    bool gpl_compatible = false;
    // The kernel's CAP_PERFMON rules: uninitialised stack reads and pointers
    // stored into maps allowed. Otherwise the strict (unprivileged) rules.
    bool privileged = true;
    std::vector<MapRef> maps;
    // The log: BPF_LOG_LEVEL1 (1), BPF_LOG_LEVEL2 (2), BPF_LOG_STATS (4),
    // BPF_LOG_FIXED (8: keep the start instead of the end when it overflows).
    uint32_t log_level = 0;
    uint32_t log_size = 0;  // the user's buffer, NUL included; 0: no log
};

// The context of an iterator target: meta first, then the target's fields.
// Built by the iterator layer from its target descriptions.
ProgramEnv iterator_env_base();

// The object types iterator programs can reach, by name ("bpf_iter_meta",
// "bpf_map", "bpf_prog", "bpf_prog_aux", "bpf_link", "seq_file").
const BtfStruct *find_btf_struct(std::string_view name);

struct Verdict {
    Status status = ok();
    std::string log;             // what fits in log_size (NUL not counted); empty without log_level
    uint32_t log_true_size = 0;  // the whole log's size, NUL included (log_true_size)
    uint32_t processed_insns = 0;
    uint32_t total_states = 0;
    uint32_t peak_states = 0;
    uint32_t max_states_per_insn = 0;
    // Largest offset + size read through the read-only buffer and read or
    // written through the read-write buffer (iterator key / value).
    uint32_t max_rdonly_access = 0;
    uint32_t max_rdwr_access = 0;
    // Loads through BTF-described object pointers, which may be NULL or
    // stale without the program having to check (the kernel's PROBE_MEM):
    // they must yield 0 instead of faulting.
    std::vector<uint32_t> probe_loads;
    // Stack bytes per subprogram, rounded as the kernel does.
    std::vector<uint32_t> stack_depths;
};

// Verifies insns (64-bit immediates already resolved as env.maps says).
Verdict verify(std::span<const Insn> insns, const ProgramEnv &env);

}  // namespace bpffs::vm::verifier
