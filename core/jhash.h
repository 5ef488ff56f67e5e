// Bob Jenkins' lookup3 hash as the kernel's jhash()/jhash2() compute it.
//
// The hash map buckets keys by this hash, like kernel/bpf/hashtab.c, so that
// a map created with BPF_F_ZERO_SEED visits its keys in the same order as the
// kernel's (a differential test can compare `map dump` output directly).
#pragma once

#include <cstddef>
#include <cstdint>

namespace bpffs {

// Hash of length bytes at key (jhash).
uint32_t jhash_bytes(const void *key, size_t length, uint32_t initval);

// Hash of nwords 32-bit words at key (jhash2); key needs no alignment.
uint32_t jhash_words(const void *key, size_t nwords, uint32_t initval);

// The hash map's choice between the two: whole words when the key size is a
// multiple of 4, bytes otherwise.
inline uint32_t map_key_hash(const void *key, uint32_t key_size, uint32_t seed) {
    return (key_size & 3) == 0 ? jhash_words(key, key_size / 4, seed)
                               : jhash_bytes(key, key_size, seed);
}

}  // namespace bpffs
