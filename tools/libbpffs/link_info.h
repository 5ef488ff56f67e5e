// Decoding of the link body of OBJ_GET_INFO_BY_FD into the kernel's struct
// bpf_link_info, with the kernel's rules for the caller's target_name
// buffer (internal to libbpffs).
#pragma once

#include <linux/types.h>

#include "core/wire/codec.h"

namespace bpffs::client {

int fill_link_info(const wire::Bytes &body, void *info, __u32 *info_len);

}  // namespace bpffs::client
