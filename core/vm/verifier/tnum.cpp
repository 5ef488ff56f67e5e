#include "core/vm/verifier/tnum.h"

namespace bpffs::vm::verifier {

Tnum Tnum::range(uint64_t min, uint64_t max) {
    uint64_t chi = min ^ max;
    if (chi == 0) return constant(min);
    unsigned bits = 64 - unsigned(__builtin_clzll(chi));
    if (bits > 63) return unknown();
    uint64_t delta = (uint64_t(1) << bits) - 1;
    return {min & ~delta, delta};
}

bool Tnum::contains(Tnum other) const {
    if (other.mask & ~mask) return false;
    return (other.value & ~mask) == value;
}

Tnum Tnum::arshift(unsigned shift, bool subreg) const {
    if (subreg)
        return {uint32_t(int32_t(uint32_t(value)) >> shift),
                uint32_t(int32_t(uint32_t(mask)) >> shift)};
    return {uint64_t(int64_t(value) >> shift), uint64_t(int64_t(mask) >> shift)};
}

Tnum Tnum::cast(unsigned bytes) const {
    if (bytes >= 8) return *this;
    uint64_t keep = (uint64_t(1) << (bytes * 8)) - 1;
    return {value & keep, mask & keep};
}

Tnum Tnum::with_subreg(Tnum low) const {
    Tnum high{value & ~uint64_t(0xffffffff), mask & ~uint64_t(0xffffffff)};
    return tnum_or(high, low.subreg());
}

Tnum tnum_add(Tnum a, Tnum b) {
    uint64_t sm = a.mask + b.mask;
    uint64_t sv = a.value + b.value;
    uint64_t sigma = sm + sv;
    uint64_t chi = sigma ^ sv;
    uint64_t mu = chi | a.mask | b.mask;
    return {sv & ~mu, mu};
}

Tnum tnum_sub(Tnum a, Tnum b) {
    uint64_t dv = a.value - b.value;
    uint64_t alpha = dv + a.mask;
    uint64_t beta = dv - b.mask;
    uint64_t chi = alpha ^ beta;
    uint64_t mu = chi | a.mask | b.mask;
    return {dv & ~mu, mu};
}

Tnum tnum_and(Tnum a, Tnum b) {
    uint64_t alpha = a.value | a.mask;
    uint64_t beta = b.value | b.mask;
    uint64_t v = a.value & b.value;
    return {v, alpha & beta & ~v};
}

Tnum tnum_or(Tnum a, Tnum b) {
    uint64_t v = a.value | b.value;
    uint64_t mu = a.mask | b.mask;
    return {v, mu & ~v};
}

Tnum tnum_xor(Tnum a, Tnum b) {
    uint64_t v = a.value ^ b.value;
    uint64_t mu = a.mask | b.mask;
    return {v & ~mu, mu};
}

// Long multiplication over known bits: each set bit of a adds b shifted,
// each unknown bit of a adds b's possible bits as unknown.
Tnum tnum_mul(Tnum a, Tnum b) {
    Tnum acc_v = Tnum::constant(a.value * b.value);
    Tnum acc_m = Tnum::constant(0);
    while (a.value || a.mask) {
        if (a.value & 1)
            acc_m = tnum_add(acc_m, Tnum{0, b.mask});
        else if (a.mask & 1)
            acc_m = tnum_add(acc_m, Tnum{0, b.value | b.mask});
        a = a.rshift(1);
        b = b.lshift(1);
    }
    return tnum_add(acc_v, acc_m);
}

Tnum tnum_intersect(Tnum a, Tnum b) {
    uint64_t v = a.value | b.value;
    uint64_t mu = a.mask & b.mask;
    return {v & ~mu, mu};
}

}  // namespace bpffs::vm::verifier
