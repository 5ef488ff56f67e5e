#include "core/map_check_btf.h"

#include <linux/bpf.h>

#include <cerrno>
#include <string>

namespace bpffs {
namespace {

Status size_matches(const btf::Btf &btf, uint32_t id, uint32_t size, const char *what) {
    if (id > btf.type_count())
        return fail(EINVAL, std::string(what) + " type id " + std::to_string(id) +
                                " is not in the BTF object");
    auto resolved = btf.resolve_size(id);
    if (!resolved)
        return fail(EINVAL, std::string(what) + " type " + std::to_string(id) + " (" +
                                btf::kind_name(btf.type(btf.skip_modifiers(id)).kind) +
                                ") has no size");
    if (*resolved != size)
        return fail(EINVAL, std::string(what) + " type " + std::to_string(id) + " is " +
                                std::to_string(*resolved) + " bytes, the map's " + what +
                                " size is " + std::to_string(size));
    return ok();
}

bool is_array(uint32_t map_type) {
    return map_type == BPF_MAP_TYPE_ARRAY || map_type == BPF_MAP_TYPE_PERCPU_ARRAY;
}

// Arrays are indexed by a u32: the key type must be a plain 32-bit integer.
// Without a key type only the maps of global data qualify: one element
// whose value is a DATASEC.
Status check_array_key(const MapSpec &spec, const btf::Btf &btf) {
    if (spec.btf_key_type_id == 0) {
        uint32_t value = btf.skip_modifiers(spec.btf_value_type_id);
        if (spec.map_type != BPF_MAP_TYPE_ARRAY || spec.max_entries != 1 ||
            btf.type(value).kind != BTF_KIND_DATASEC)
            return fail(EINVAL,
                        "an array without a key type must be a one-element array of a DATASEC");
        return ok();
    }
    const btf::Type &key = btf.type(btf.skip_modifiers(spec.btf_key_type_id));
    if (key.kind != BTF_KIND_INT || key.int_bits != 32 || key.int_offset != 0)
        return fail(EINVAL, "the key type of an array must be a 32-bit integer");
    return ok();
}

}  // namespace

Status map_check_btf(const MapSpec &spec, const BtfObject &object) {
    const btf::Btf &btf = object.btf();
    if (spec.btf_value_type_id == 0)
        return fail(EINVAL, "btf_key_type_id is set but btf_value_type_id is 0");
    if (spec.btf_key_type_id != 0) {
        if (auto st = size_matches(btf, spec.btf_key_type_id, spec.key_size, "key"); !st) return st;
    } else if (!is_array(spec.map_type)) {
        return fail(EINVAL, std::string("a ") + map_type_name(spec.map_type) +
                                " map with BTF needs a key type (btf_key_type_id)");
    }
    if (auto st = size_matches(btf, spec.btf_value_type_id, spec.value_size, "value"); !st)
        return st;
    if (is_array(spec.map_type)) return check_array_key(spec, btf);
    return ok();
}

}  // namespace bpffs
