// Helper prototypes: what kind of value each argument of a helper must
// be, what it returns, and whether it is GPL-only (the kernel's
// struct bpf_func_proto).
#pragma once

#include <array>
#include <cstdint>

namespace bpffs::vm::verifier {

enum class ArgKind : uint8_t {
    none,           // not an argument
    anything,       // any initialised value
    const_map_ptr,  // a map from a 64-bit immediate load
    map_key,        // memory of the map's key_size, initialised
    map_value,      // memory of the map's value_size, initialised
    mem_rdonly,     // readable, initialised memory of the size in the next argument
    mem_rdonly_or_null,
    mem_uninit,  // writable memory of the size in the next argument, initialised by the helper
    const_size,  // the size of the previous memory argument, > 0
    const_size_or_zero,  // the same, 0 allowed
    btf_seq_file,        // struct seq_file * (the meta's seq)
    func,                // a function of the program (ptr_to_func): the callback
    stack_or_null,       // a pointer to the stack, or NULL: the callback's context
};

// What a helper with a func argument passes its callback (the kernel's
// set_*_callback_state).
enum class CallbackKind : uint8_t {
    none,
    loop,      // bpf_loop: (u32 index, void *ctx)
    map_elem,  // bpf_for_each_map_elem: (map, const key *, value *, void *ctx)
};

enum class RetKind : uint8_t { integer, map_value_or_null, void_ };

struct HelperProto {
    const char *name = nullptr;
    RetKind ret = RetKind::integer;
    std::array<ArgKind, 5> args{};
    bool gpl_only = false;
    CallbackKind callback = CallbackKind::none;
};

// nullptr for helpers the verifier has no prototype for.
const HelperProto *find_helper_proto(int32_t id);

}  // namespace bpffs::vm::verifier
