#include "core/jhash.h"

#include <cstring>

namespace bpffs {
namespace {

constexpr uint32_t kInitval = 0xdeadbeef;

uint32_t rol32(uint32_t word, unsigned shift) {
    return (word << shift) | (word >> (32 - shift));
}

uint32_t load32(const uint8_t *p) {
    uint32_t v;
    std::memcpy(&v, p, sizeof v);  // native byte order, unaligned, as the kernel's loads
    return v;
}

// Mixes three words reversibly after each 12-byte block.
void mix(uint32_t &a, uint32_t &b, uint32_t &c) {
    a -= c, a ^= rol32(c, 4), c += b;
    b -= a, b ^= rol32(a, 6), a += c;
    c -= b, c ^= rol32(b, 8), b += a;
    a -= c, a ^= rol32(c, 16), c += b;
    b -= a, b ^= rol32(a, 19), a += c;
    c -= b, c ^= rol32(b, 4), b += a;
}

// Final avalanche of the three words into c.
void final_mix(uint32_t &a, uint32_t &b, uint32_t &c) {
    c ^= b, c -= rol32(b, 14);
    a ^= c, a -= rol32(c, 11);
    b ^= a, b -= rol32(a, 25);
    c ^= b, c -= rol32(b, 16);
    a ^= c, a -= rol32(c, 4);
    b ^= a, b -= rol32(a, 14);
    c ^= b, c -= rol32(b, 24);
}

}  // namespace

uint32_t jhash_bytes(const void *key, size_t length, uint32_t initval) {
    const auto *k = static_cast<const uint8_t *>(key);
    uint32_t a, b, c;
    a = b = c = kInitval + static_cast<uint32_t>(length) + initval;
    while (length > 12) {
        a += load32(k);
        b += load32(k + 4);
        c += load32(k + 8);
        mix(a, b, c);
        length -= 12;
        k += 12;
    }
    if (length == 0) return c;
    // The last 1..12 bytes, little-endian within each word.
    uint32_t words[3] = {0, 0, 0};
    for (size_t i = 0; i < length; i++)
        words[i / 4] += static_cast<uint32_t>(k[i]) << (8 * (i % 4));
    a += words[0];
    b += words[1];
    c += words[2];
    final_mix(a, b, c);
    return c;
}

uint32_t jhash_words(const void *key, size_t nwords, uint32_t initval) {
    const auto *k = static_cast<const uint8_t *>(key);
    uint32_t a, b, c;
    a = b = c = kInitval + static_cast<uint32_t>(nwords << 2) + initval;
    while (nwords > 3) {
        a += load32(k);
        b += load32(k + 4);
        c += load32(k + 8);
        mix(a, b, c);
        nwords -= 3;
        k += 12;
    }
    if (nwords == 0) return c;
    if (nwords >= 3) c += load32(k + 8);
    if (nwords >= 2) b += load32(k + 4);
    a += load32(k);
    final_mix(a, b, c);
    return c;
}

}  // namespace bpffs
