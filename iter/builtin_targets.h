// The iterator targets bpffsd registers itself, one file each as in the
// kernel (map_iter.c, bpf_iter.c's link iterator...):
//   bpf_map       every map, by increasing id          (map_iter.cpp)
//   bpf_map_elem  the elements of the link's map       (map_elem_iter.cpp)
//   bpf_link      every link, by increasing id         (link_iter.cpp)
//   bpf_prog      every program, by increasing id      (prog_iter.cpp)
#pragma once

#include <memory>

#include "core/btf/kernel_types.h"
#include "core/result.h"
#include "iter/target.h"

namespace bpffs {

std::shared_ptr<const IterTarget> make_bpf_map_target();
std::shared_ptr<const IterTarget> make_bpf_map_elem_target();
std::shared_ptr<const IterTarget> make_bpf_link_target();
std::shared_ptr<const IterTarget> make_bpf_prog_target();

// The memory a program reaches from a struct bpf_prog view (the view, its
// aux, the attach function's name): at most 3 entries written to out.
size_t prog_view_memory(const kview::bpf_prog *view, IterMemory *out);

// Adds the targets above to registry; targets already there are kept, so
// calling it twice is harmless.
Status register_builtin_targets(TargetRegistry &registry = TargetRegistry::global());

}  // namespace bpffs
