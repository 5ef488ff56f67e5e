// A loaded program: the instructions as given, checked for structure once,
// and pre-decoded into slots the interpreter can execute without looking at
// instruction fields again (operation resolved, immediates extended, jump
// and call targets absolute, helper ids resolved to function pointers,
// 64-bit immediates merged and their pseudo forms resolved).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "core/object.h"
#include "core/result.h"
#include "core/vm/helpers.h"
#include "core/vm/isa.h"
#include "core/vm/ops.h"

namespace bpffs {
class Map;
}

namespace bpffs::vm {

// One pre-decoded instruction. Slot i corresponds to instruction i; the
// second half of an LDDW is an LDDW_HI slot that is never executed.
struct Slot {
    Op op = Op::LDDW_HI;
    uint8_t dst = 0;
    uint8_t src = 0;
    int32_t off = 0;  // memory offset, or absolute target index for jumps and local calls
    int64_t imm = 0;  // sign-extended imm, the full LDDW value, or a HelperFn
};
static_assert(sizeof(Slot) == 16);

// A 64-bit immediate load with src 1..6 other than 4, to be resolved by the
// loader. src 4 (BPF_PSEUDO_FUNC, a function's address) is resolved by the
// decoder itself: the value is the function's first instruction index.
struct PseudoImm {
    size_t index = 0;      // instruction index of the LDDW
    uint8_t src = 0;       // op::kPseudoMapFd ... op::kPseudoMapIdxValue
    int32_t imm = 0;       // first slot's imm (fd, index, BTF id, or call offset)
    int32_t next_imm = 0;  // second slot's imm (offset into the map value)
};

struct ResolvedImm {
    uint64_t value = 0;
    std::shared_ptr<Object> hold;  // kept alive as long as the program
    Map *map = nullptr;            // a map the program may pass to map helpers
    // Memory the value points into that the program may access (a map value).
    const void *region = nullptr;
    size_t region_len = 0;
    bool region_writable = true;
};

using ImmResolver = std::function<Result<ResolvedImm>(const PseudoImm &)>;

struct LoadOptions {
    const HelperTable *helpers = &HelperTable::standard();
    ImmResolver resolver;  // required when the program has LDDW with src != 0
    bool checked = true;   // bounds-check every memory access (see RunContext)
};

class Program {
  public:
    // Validates the structure of insns and pre-decodes them. Errors name the
    // instruction index and what is wrong with it (EINVAL), or are the
    // resolver's errors.
    static Result<Program> load(std::span<const Insn> insns, const LoadOptions &options = {});

    const Slot *slots() const { return slots_.data(); }
    size_t size() const { return slots_.size(); }
    const std::vector<Insn> &insns() const { return insns_; }
    bool checked() const { return checked_; }
    void set_checked(bool checked) { checked_ = checked; }

    // Turns the loads at these instruction indexes into probe loads (an
    // address outside the run's memory reads as 0): the verifier's loads
    // through BTF object pointers. Other indexes are left alone.
    void mark_probe_loads(std::span<const uint32_t> indexes);

    // What the verifier proved and recorded; a program it did not accept
    // must run checked.
    struct VerifiedFacts {
        bool verified = false;
        uint32_t max_rdonly_access = 0;  // iterator key bytes read
        uint32_t max_rdwr_access = 0;    // iterator value bytes read or written
    };
    const VerifiedFacts &verified() const { return verified_; }
    void set_verified(const VerifiedFacts &facts) { verified_ = facts; }

    bool uses_map(const Map *map) const;
    // Whether fn is the entry of a function whose address the program takes
    // (an LDDW with src BPF_PSEUDO_FUNC): the only values callback helpers
    // (bpf_loop, bpf_for_each_map_elem) may call.
    bool is_function(uint64_t fn) const;
    struct StaticRegion {
        const void *ptr;
        size_t len;
        bool writable;
    };
    const std::vector<StaticRegion> &static_regions() const { return static_regions_; }

  private:
    Status decode(const LoadOptions &options);
    Status decode_one(size_t i, const LoadOptions &options);
    Status decode_lddw(size_t i, const LoadOptions &options);
    Status decode_jmp(size_t i, const LoadOptions &options);
    Status check_targets();

    std::vector<Insn> insns_;
    std::vector<Slot> slots_;
    std::vector<Map *> maps_;
    std::vector<uint32_t> functions_;  // sorted entries of BPF_PSEUDO_FUNC targets
    std::vector<StaticRegion> static_regions_;
    std::vector<std::shared_ptr<Object>> held_;
    bool checked_ = true;
    VerifiedFacts verified_;
};

}  // namespace bpffs::vm
