// The one real map the VM and verifier fuzz targets give their programs: a
// 4-entry array of 16-byte values at fd 3, reached through LDDW map fd or
// map value (the resolver of vm::Program::load).
#pragma once

#include <cerrno>
#include <memory>

#include "core/map.h"
#include "core/result.h"
#include "core/vm/ops.h"
#include "core/vm/program.h"

namespace bpffs::fuzz {

constexpr uint32_t kMapFd = 3;
constexpr uint32_t kMapValueSize = 16;

inline std::shared_ptr<Map> make_map(const char *name) {
    MapSpec spec;
    spec.map_type = 2;  // BPF_MAP_TYPE_ARRAY
    spec.key_size = 4;
    spec.value_size = kMapValueSize;
    spec.max_entries = 4;
    spec.name = name;
    auto m = Map::create(spec, 1);
    return m ? *m : nullptr;
}

inline Result<vm::ResolvedImm> resolve(const std::shared_ptr<Map> &map, const vm::PseudoImm &p) {
    if (!map || static_cast<uint32_t>(p.imm) != kMapFd) return fail(EBADF, "no such map fd");
    vm::ResolvedImm r;
    r.hold = map;
    r.map = map.get();
    if (p.src == vm::op::kPseudoMapFd) {
        r.value = reinterpret_cast<uint64_t>(map.get());
        return r;
    }
    if (p.src == vm::op::kPseudoMapValue) {
        uint32_t key = 0;
        auto *value = static_cast<uint8_t *>(map->lookup_for_prog(&key, 0));
        if (value == nullptr || p.next_imm < 0 || p.next_imm >= int32_t{kMapValueSize})
            return fail(EINVAL, "bad map value offset");
        r.value = reinterpret_cast<uint64_t>(value + p.next_imm);
        r.region = value;
        r.region_len = kMapValueSize;
        return r;
    }
    return fail(EINVAL, "unsupported pseudo immediate");
}

}  // namespace bpffs::fuzz
