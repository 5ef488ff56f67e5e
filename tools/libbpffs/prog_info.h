// Decoding of the program and BTF bodies of OBJ_GET_INFO_BY_FD into the
// kernel's struct bpf_prog_info / bpf_btf_info (internal to libbpffs).
#pragma once

#include <linux/types.h>

#include <string>

#include "core/wire/codec.h"

namespace bpffs::client {

int fill_prog_info(const wire::Bytes &body, void *info, __u32 *info_len);
int fill_btf_info(const wire::Bytes &body, void *info, __u32 *info_len);
// Sets the sentence bpffs_last_error() returns.
void set_last_error(std::string message);

}  // namespace bpffs::client
