// The abstract value of one register: its type (scalar, or a pointer of
// some kind with a fixed offset and possibly a variable one), the known
// bits and the signed/unsigned 64- and 32-bit bounds of its scalar part,
// and for nullable pointers the id shared by all copies of one maybe-NULL
// value (a NULL check on one resolves them all).
#pragma once

#include <cstdint>
#include <string>

#include "core/vm/verifier/tnum.h"

namespace bpffs {
class Map;
}

namespace bpffs::vm::verifier {

struct BtfStruct;

enum class RegType : uint8_t {
    not_init,
    scalar,
    ptr_to_ctx,
    ptr_to_stack,
    const_ptr_to_map,
    ptr_to_map_value,
    ptr_to_map_value_or_null,
    ptr_to_buf,  // iterator key (read-only) or value (read-write)
    ptr_to_buf_or_null,
    ptr_to_btf_id,
    ptr_to_btf_id_or_null,
    ptr_to_func,     // a function's address (LDDW src 4), for callback helpers
    ptr_to_map_key,  // a map element's key given to a for_each callback (read-only)
};

const char *reg_type_name(RegType t, bool rdonly);

struct RegState {
    RegType type = RegType::not_init;
    // Scalars: the value. Pointers: the variable part of the offset.
    Tnum var_off = Tnum::unknown();
    int64_t smin = INT64_MIN, smax = INT64_MAX;
    uint64_t umin = 0, umax = UINT64_MAX;
    int32_t s32min = INT32_MIN, s32max = INT32_MAX;
    uint32_t u32min = 0, u32max = UINT32_MAX;
    int32_t off = 0;                 // pointers: the fixed offset
    uint32_t id = 0;                 // maybe-NULL pointers: shared by copies
    bool rdonly = false;             // ptr_to_buf: the read-only buffer
    uint8_t frameno = 0;             // ptr_to_stack: whose frame
    const Map *map = nullptr;        // const_ptr_to_map, map values
    const BtfStruct *btf = nullptr;  // btf pointers
    uint32_t func = 0;               // ptr_to_func: the function's first instruction

    static RegState not_initialized() { return {}; }
    static RegState unknown_scalar();
    static RegState const_scalar(uint64_t v);
    // A pointer of type t with offset 0 and no variable part.
    static RegState pointer(RegType t);

    bool is_pointer() const { return type != RegType::not_init && type != RegType::scalar; }
    bool is_scalar() const { return type == RegType::scalar; }
    bool is_nullable() const {
        return type == RegType::ptr_to_map_value_or_null || type == RegType::ptr_to_buf_or_null ||
               type == RegType::ptr_to_btf_id_or_null;
    }
    bool is_const() const { return var_off.is_const(); }
    uint64_t const_value() const { return var_off.value; }

    // Forgets the scalar value (keeps the type).
    void mark_unknown_bounds();
    void set_const(uint64_t v);
    // After 32-bit operations: the upper half becomes zero.
    void zero_extend_32();
    // Tightens bounds and known bits against each other (reg_bounds_sync).
    void sync_bounds();
    // Re-derives the 64-bit bounds from the 32-bit ones (after a 32-bit
    // operation or refinement, when the upper half is known).
    void bounds_from_32();
    // The variable part is exactly zero.
    bool has_fixed_offset() const { return var_off.is_const() && var_off.value == 0; }

    // "scalar(smin=0,smax=255)", "map_value(map=counts,ks=4,vs=8,off=0)"...
    std::string describe() const;
};

// The ALU operations on scalars, 64-bit or 32-bit (operating on the low
// halves and zero-extending). dst is updated in place.
void scalar_alu(uint8_t op, RegState &dst, const RegState &src, bool alu64);

}  // namespace bpffs::vm::verifier
