// Tristate numbers: what is known about the bits of a 64-bit value. A bit
// set in mask is unknown; the other bits are those of value. The
// verifier's known-bits domain, alongside signed/unsigned ranges.
#pragma once

#include <cstdint>

namespace bpffs::vm::verifier {

struct Tnum {
    uint64_t value = 0;
    uint64_t mask = ~uint64_t(0);

    static constexpr Tnum constant(uint64_t v) { return {v, 0}; }
    static constexpr Tnum unknown() { return {0, ~uint64_t(0)}; }
    // The smallest tnum holding every value of [min, max].
    static Tnum range(uint64_t min, uint64_t max);

    bool is_const() const { return mask == 0; }
    bool is_unknown() const { return mask == ~uint64_t(0); }
    // Every value of other is a value of this.
    bool contains(Tnum other) const;
    bool operator==(const Tnum &) const = default;

    Tnum lshift(unsigned shift) const { return {value << shift, mask << shift}; }
    Tnum rshift(unsigned shift) const { return {value >> shift, mask >> shift}; }
    Tnum arshift(unsigned shift, bool subreg) const;
    // The low 32 bits (upper bits known zero).
    Tnum subreg() const { return cast(4); }
    Tnum cast(unsigned bytes) const;
    // The upper 32 bits cleared and the low ones replaced by low's.
    Tnum with_subreg(Tnum low) const;
};

Tnum tnum_add(Tnum a, Tnum b);
Tnum tnum_sub(Tnum a, Tnum b);
Tnum tnum_and(Tnum a, Tnum b);
Tnum tnum_or(Tnum a, Tnum b);
Tnum tnum_xor(Tnum a, Tnum b);
Tnum tnum_mul(Tnum a, Tnum b);
// Values in both a and b (a and b must overlap).
Tnum tnum_intersect(Tnum a, Tnum b);

}  // namespace bpffs::vm::verifier
