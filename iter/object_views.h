// The object views iterator programs read through their context
// (ctx->map, ctx->link): kview structs (core/btf/kernel_types.h) filled
// from the daemon's objects. A view is a per-session copy, so a program
// can never write into the object itself.
#pragma once

#include "core/btf/kernel_types.h"

namespace bpffs {

class Map;
class Object;

// struct bpf_map of map: id, type, sizes, flags, name, frozen.
void fill_map_view(const Map &map, kview::bpf_map &view);

// struct bpf_link of link: id, type (BPF_LINK_TYPE_ITER for iterator
// links, 0 for kinds bpffsd does not describe) and the view of its
// program when that is a Prog (else NULL).
void fill_link_view(const Object &link, kview::bpf_link &view);

}  // namespace bpffs
