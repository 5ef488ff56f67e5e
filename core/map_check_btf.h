// MAP_CREATE's BTF checks (the kernel's map_check_btf): a map created with
// key/value type ids must name types of exactly key_size and value_size
// bytes in the BTF object of btf_fd; arrays need a 32-bit integer key (or,
// for the one-element DATASEC maps of global data, no key type). A map that
// passes holds its BTF object for its whole life: `cat` of its pin shows
// keys and values with it (spec 4.8, 4.9).
#pragma once

#include <memory>

#include "core/btf_object.h"
#include "core/map.h"
#include "core/result.h"

namespace bpffs {

// EINVAL with a sentence when spec's btf_key_type_id/btf_value_type_id do
// not describe its keys and values in btf.
Status map_check_btf(const MapSpec &spec, const BtfObject &btf);

}  // namespace bpffs
