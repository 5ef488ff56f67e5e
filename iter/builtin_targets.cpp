#include "iter/builtin_targets.h"

#include <cerrno>

namespace bpffs {

Status register_builtin_targets(TargetRegistry &registry) {
    for (auto &target : {make_bpf_map_target(), make_bpf_map_elem_target(), make_bpf_link_target(),
                         make_bpf_prog_target()}) {
        if (registry.find(target->name)) continue;
        if (auto st = registry.add(target); !st && st.error().code != EEXIST) return st;
    }
    return ok();
}

}  // namespace bpffs
