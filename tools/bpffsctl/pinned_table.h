// `-f/--bpffs`: the paths where objects are pinned, found by walking every
// bpffs mount (the kernel's "bpf" mounts and bpffsd's FUSE mounts) and
// asking each pinned file for its object's id, as bpftool does.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tools/bpffsctl/map_select.h"

namespace bpffsctl {

class PinnedTable {
  public:
    static PinnedTable build(ObjKind kind);

    bool empty() const { return by_id_.empty(); }
    // Paths of one object, most recently found first (bpftool's hash table
    // order).
    std::vector<std::string> paths_of(uint32_t id) const;
    void add(uint32_t id, std::string path) { by_id_[id].push_back(std::move(path)); }

  private:
    std::map<uint32_t, std::vector<std::string>> by_id_;
};

}  // namespace bpffsctl
