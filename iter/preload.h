// The preloaded iterators of every bpffs instance (spec 4.11): maps.debug
// (target bpf_map) and progs.debug (bpf_prog), iterator links pinned at the
// root, mode 0400, owned by the daemon. Their programs are BPF C
// (iter/preload/) compiled at build time and embedded; they are loaded in
// process like any object and show up in the id spaces like the kernel's.
#pragma once

#include <sys/types.h>

#include "core/pin_tree.h"
#include "core/result.h"

namespace bpffs {

// Loads both iterators and pins them at the root of tree, owned by
// uid/gid, with PinTree::pin_preloaded (their dotted names are reserved to
// everyone else, as in the kernel).
Status preload_iterators(PinTree &tree, uid_t uid, gid_t gid);

}  // namespace bpffs
