// The request and reply bodies of every control command.
//
// Each message lists its fields once, in wire order, in fields(); encode()
// and decode<T>() walk that list, so a field cannot be encoded in one order
// and decoded in another. Decoding is strict: a missing field, a length
// running past the end, or trailing bytes make the message malformed.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>

#include "core/result.h"
#include "core/wire/codec.h"

namespace bpffs::wire {

// ---- session ----
struct HelloRequest {
    uint32_t protocol_version = 0;
    uint32_t umask = 022;  // the client's umask, applied to the files it pins
    static auto fields(auto &s) { return std::tie(s.protocol_version, s.umask); }
};
struct HelloReply {
    uint32_t protocol_version = 0;
    std::string server_version;
    std::string mountpoint;  // canonical path of the daemon's mount
    static auto fields(auto &s) {
        return std::tie(s.protocol_version, s.server_version, s.mountpoint);
    }
};
struct CloseRequest {
    uint32_t fd = 0;
    static auto fields(auto &s) { return std::tie(s.fd); }
};
// What /proc/PID/fdinfo shows for a kernel BPF fd, plus the map attributes a
// client needs to size key and value buffers for this fd.
struct FdinfoRequest {
    uint32_t fd = 0;
    static auto fields(auto &s) { return std::tie(s.fd); }
};
struct FdinfoReply {
    uint32_t kind = 0;  // ObjectKind: 0 map, 1 prog, 2 link, 3 btf
    uint32_t id = 0;
    uint64_t memlock = 0;
    uint32_t frozen = 0;
    uint32_t fd_flags = 0;  // BPF_F_RDONLY / BPF_F_WRONLY
    uint32_t map_type = 0;
    uint32_t key_size = 0;
    uint32_t value_size = 0;
    uint32_t user_value_size = 0;  // value bytes through the syscall side (per-CPU: all CPUs)
    uint32_t max_entries = 0;
    uint32_t map_flags = 0;
    uint64_t map_extra = 0;
    static auto fields(auto &s) {
        return std::tie(s.kind, s.id, s.memlock, s.frozen, s.fd_flags, s.map_type, s.key_size,
                        s.value_size, s.user_value_size, s.max_entries, s.map_flags, s.map_extra);
    }
};

// ---- replies shared by several commands ----
struct FdReply {
    uint32_t fd = 0;
    static auto fields(auto &s) { return std::tie(s.fd); }
};
struct IdReply {
    uint32_t id = 0;
    static auto fields(auto &s) { return std::tie(s.id); }
};
struct ValueReply {
    Bytes value;
    static auto fields(auto &s) { return std::tie(s.value); }
};
struct KeyReply {
    Bytes key;
    static auto fields(auto &s) { return std::tie(s.key); }
};

// ---- maps ----
struct MapCreateRequest {
    uint32_t map_type = 0;
    uint32_t key_size = 0;
    uint32_t value_size = 0;
    uint32_t max_entries = 0;
    uint32_t map_flags = 0;
    std::string name;
    uint32_t numa_node = 0;
    uint64_t map_extra = 0;
    uint32_t btf_fd = 0;
    uint32_t btf_key_type_id = 0;
    uint32_t btf_value_type_id = 0;
    uint32_t btf_vmlinux_value_type_id = 0;
    uint32_t inner_map_fd = 0;
    uint32_t map_ifindex = 0;
    static auto fields(auto &s) {
        return std::tie(s.map_type, s.key_size, s.value_size, s.max_entries, s.map_flags, s.name,
                        s.numa_node, s.map_extra, s.btf_fd, s.btf_key_type_id, s.btf_value_type_id,
                        s.btf_vmlinux_value_type_id, s.inner_map_fd, s.map_ifindex);
    }
};
// MAP_LOOKUP_ELEM and MAP_LOOKUP_AND_DELETE_ELEM; reply ValueReply.
struct MapLookupRequest {
    uint32_t fd = 0;
    Bytes key;
    uint64_t flags = 0;
    static auto fields(auto &s) { return std::tie(s.fd, s.key, s.flags); }
};
struct MapUpdateRequest {
    uint32_t fd = 0;
    Bytes key;
    Bytes value;
    uint64_t flags = 0;
    static auto fields(auto &s) { return std::tie(s.fd, s.key, s.value, s.flags); }
};
struct MapDeleteRequest {
    uint32_t fd = 0;
    Bytes key;
    static auto fields(auto &s) { return std::tie(s.fd, s.key); }
};
// Reply KeyReply. No key asks for the first key.
struct MapGetNextKeyRequest {
    uint32_t fd = 0;
    std::optional<Bytes> key;
    static auto fields(auto &s) { return std::tie(s.fd, s.key); }
};
// MAP_FREEZE; empty reply.
struct MapFdRequest {
    uint32_t fd = 0;
    static auto fields(auto &s) { return std::tie(s.fd); }
};
// The four batch commands. Lookups send no keys/values (count is the
// capacity); update sends keys and values; delete sends keys.
struct MapBatchRequest {
    uint32_t fd = 0;
    std::optional<Bytes> in_batch;  // absent: start from the beginning
    Bytes keys;
    Bytes values;
    uint32_t count = 0;
    uint64_t elem_flags = 0;
    uint64_t flags = 0;
    static auto fields(auto &s) {
        return std::tie(s.fd, s.in_batch, s.keys, s.values, s.count, s.elem_flags, s.flags);
    }
};
// Sent with errors too: count (and the lookups' keys/values) are valid then.
struct MapBatchReply {
    Bytes out_batch;
    Bytes keys;
    Bytes values;
    uint32_t count = 0;
    static auto fields(auto &s) { return std::tie(s.out_batch, s.keys, s.values, s.count); }
};

// ---- pinning ----
// Paths are absolute and canonical in the parent directory part.
struct ObjPinRequest {
    uint32_t fd = 0;
    std::string path;
    uint32_t file_flags = 0;
    static auto fields(auto &s) { return std::tie(s.fd, s.path, s.file_flags); }
};
// Reply FdReply.
struct ObjGetRequest {
    std::string path;
    uint32_t file_flags = 0;
    static auto fields(auto &s) { return std::tie(s.path, s.file_flags); }
};

// ---- ids and information ----
struct GetNextIdRequest {
    uint32_t start_id = 0;
    static auto fields(auto &s) { return std::tie(s.start_id); }
};
// Reply FdReply.
struct GetFdByIdRequest {
    uint32_t id = 0;
    uint32_t open_flags = 0;
    static auto fields(auto &s) { return std::tie(s.id, s.open_flags); }
};
struct InfoRequest {
    uint32_t fd = 0;
    static auto fields(auto &s) { return std::tie(s.fd); }
};
// kind says how to decode body: MapInfo for maps; prog/link/btf infos get
// their own structs when those objects exist.
struct InfoReply {
    uint32_t kind = 0;
    Bytes body;
    static auto fields(auto &s) { return std::tie(s.kind, s.body); }
};
// The fields of struct bpf_map_info.
struct MapInfo {
    uint32_t type = 0;
    uint32_t id = 0;
    uint32_t key_size = 0;
    uint32_t value_size = 0;
    uint32_t max_entries = 0;
    uint32_t map_flags = 0;
    std::string name;
    uint32_t ifindex = 0;
    uint32_t btf_vmlinux_value_type_id = 0;
    uint64_t netns_dev = 0;
    uint64_t netns_ino = 0;
    uint32_t btf_id = 0;
    uint32_t btf_key_type_id = 0;
    uint32_t btf_value_type_id = 0;
    uint64_t map_extra = 0;
    static auto fields(auto &s) {
        return std::tie(s.type, s.id, s.key_size, s.value_size, s.max_entries, s.map_flags, s.name,
                        s.ifindex, s.btf_vmlinux_value_type_id, s.netns_dev, s.netns_ino, s.btf_id,
                        s.btf_key_type_id, s.btf_value_type_id, s.map_extra);
    }
};

// ---- generic encoding over fields() ----
namespace detail {
inline void put(Writer &w, uint32_t v) {
    w.u32(v);
}
inline void put(Writer &w, uint64_t v) {
    w.u64(v);
}
inline void put(Writer &w, const std::string &v) {
    w.string(v);
}
inline void put(Writer &w, const Bytes &v) {
    w.bytes(v);
}
inline void put(Writer &w, const std::optional<Bytes> &v) {
    w.optional_bytes(v);
}
inline bool get(Reader &r, uint32_t &v) {
    return r.u32(v);
}
inline bool get(Reader &r, uint64_t &v) {
    return r.u64(v);
}
inline bool get(Reader &r, std::string &v) {
    return r.string(v);
}
inline bool get(Reader &r, Bytes &v) {
    return r.bytes(v);
}
inline bool get(Reader &r, std::optional<Bytes> &v) {
    return r.optional_bytes(v);
}
}  // namespace detail

template <class T>
Bytes encode(const T &msg) {
    Writer w;
    std::apply([&](const auto &...f) { (detail::put(w, f), ...); }, T::fields(msg));
    return w.take();
}

template <class T>
Result<T> decode(std::span<const uint8_t> payload, std::string_view what) {
    T msg;
    Reader r(payload);
    bool ok = std::apply([&](auto &...f) { return (detail::get(r, f) && ...); }, T::fields(msg));
    if (!ok || !r.at_end()) return malformed(what);
    return msg;
}

}  // namespace bpffs::wire
