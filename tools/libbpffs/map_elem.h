// The single-element map commands (lookup, lookup-and-delete, update,
// delete, get_next_key) split into their request and their reply, so that
// bpffs_map_*_elem (one round trip each) and bpffs_map_ops (many requests in
// flight) check arguments, encode and take replies identically.
#pragma once

#include <linux/bpf.h>
#include <linux/types.h>

#include "core/result.h"
#include "core/wire/frame.h"
#include "tools/libbpffs/connection.h"

namespace bpffs::client {

struct ElemCall {
    wire::Command command = wire::Command::map_lookup_elem;
    wire::Bytes payload;
    MapSizes sizes;
};

// The request bpffs_map_*_elem sends for the bpf(2) command cmd
// (BPF_MAP_LOOKUP_ELEM, BPF_MAP_LOOKUP_AND_DELETE_ELEM, BPF_MAP_UPDATE_ELEM,
// BPF_MAP_DELETE_ELEM, BPF_MAP_GET_NEXT_KEY), or the error the call returns
// without sending anything. in: the value of an update; out: where a lookup's
// value or get_next_key's key goes (checked here, filled by elem_reply).
Result<ElemCall> elem_request(__u32 cmd, int fd, const void *key, const void *in, void *out,
                              __u64 flags);

// The outcome of call's reply: its error, or success with out filled.
Status elem_reply(const ElemCall &call, const wire::Reply &reply, void *out);

}  // namespace bpffs::client
