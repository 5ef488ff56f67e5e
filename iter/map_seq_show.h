// open(2) of a pinned map in the FUSE mount: the kernel's debug dump of a
// map whose BTF describes its keys and values (bpffs's map files, spec 4.8
// and 4.9). Two WARNING lines, then one element per get_next_key step, each
// rendered with core/btf/btf_show in the compact notation:
//   hash, LRU hash:      <key>: <value>
//   array:               <index>: <value>
//   per-CPU maps:        <key>: {\n\tcpu0: <value>\n...}
// A map without value BTF answers EIO, as the kernel does.
//
// Reading follows the generic seq_read (not bpf_seq_read): leftover bytes
// first, then whole elements until the request is filled; a later read
// resumes at the element after the last one returned, and a hash map whose
// current key was deleted restarts from its first key, as get_next_key does.
#pragma once

#include <string>

#include "core/btf/btf.h"
#include "core/map.h"
#include "fs/open_handler.h"

namespace bpffs {

class MapOpenHandler final : public OpenHandler {
  public:
    Result<std::unique_ptr<OpenFile>> open(const std::shared_ptr<Object> &obj, const Cred &cred,
                                           int flags) override;
};

// The BTF object a map was created with, if it can be shown (a value type).
const btf::Btf *map_show_btf(const Map &map);

// One element as the dump prints it (newline included). value holds
// user_value_size() bytes: per-CPU maps every CPU's value, each rounded up
// to 8 bytes.
std::string map_seq_show_elem(const Map &map, const btf::Btf &btf, const void *key,
                              const void *value);

}  // namespace bpffs
