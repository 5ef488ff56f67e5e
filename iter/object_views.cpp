#include "iter/object_views.h"

#include <linux/bpf.h>

#include <algorithm>
#include <cstring>

#include "core/map.h"
#include "core/prog.h"
#include "iter/link.h"

namespace bpffs {

void fill_map_view(const Map &map, kview::bpf_map &view) {
    view = kview::bpf_map{};
    view.id = map.id();
    view.map_type = map.type();
    view.key_size = map.key_size();
    view.value_size = map.value_size();
    view.max_entries = map.max_entries();
    view.map_flags = map.flags();
    view.map_extra = map.spec().map_extra;
    const size_t n = std::min(map.name().size(), sizeof(view.name) - 1);
    std::memcpy(view.name, map.name().data(), n);
    view.frozen = map.frozen();
}

void fill_link_view(const Object &link, kview::bpf_link &view) {
    view.id = link.id();
    view.prog = nullptr;
    view.type = 0;
    if (const auto *iter = dynamic_cast<const IterLink *>(&link)) {
        view.type = BPF_LINK_TYPE_ITER;
        if (const auto *prog = dynamic_cast<const Prog *>(iter->prog_object().get()))
            view.prog = const_cast<kview::bpf_prog *>(prog->view());
    }
}

}  // namespace bpffs
