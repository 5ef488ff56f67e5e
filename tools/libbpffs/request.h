// What every bpffs_* function shares (internal to libbpffs): libbpf's error
// convention (-errno returned, errno set, the sentence kept for
// bpffs_last_error), libbpf's option structs sized by their sz field, and
// one command over the connection with its reply decoded.
#pragma once

#include <cerrno>
#include <string>
#include <type_traits>

#include "core/result.h"
#include "core/wire/codec.h"
#include "core/wire/messages.h"
#include "tools/libbpffs/connection.h"
#include "tools/libbpffs/prog_info.h"

namespace bpffs::client {

inline int failure(int code, std::string message) {
    set_last_error(std::move(message));
    errno = code;
    return -code;
}
inline int failure(const Error &e) {
    return failure(e.code, e.message);
}

// Option structs follow libbpf's sz convention: fields past sz are absent.
template <class Opts, class Field>
Field opt(const Opts *opts, Field Opts::*field) {
    if (opts == nullptr) return Field{};
    static const Opts probe{};
    size_t end = static_cast<size_t>(reinterpret_cast<const char *>(&(probe.*field)) -
                                     reinterpret_cast<const char *>(&probe)) +
                 sizeof(Field);
    return opts->sz >= end ? opts->*field : Field{};
}

inline wire::Bytes bytes_of(const void *p, size_t len) {
    auto b = static_cast<const uint8_t *>(p);
    return len == 0 || p == nullptr ? wire::Bytes{} : wire::Bytes(b, b + len);
}

// One command whose reply body is decoded as Reply (Bytes: the body as
// is). path_hint names the mount a path argument is on; error_body keeps
// the body of a failed reply (a load log, a partial batch).
template <class Reply>
Result<Reply> call(wire::Command command, const wire::Bytes &payload,
                   const std::string *path_hint = nullptr, wire::Bytes *error_body = nullptr) {
    auto reply = Connection::instance().call(command, payload, path_hint);
    if (!reply) return tl::unexpected(reply.error());
    if (reply->error != 0) {
        if (error_body != nullptr) *error_body = std::move(reply->body);
        return fail(reply->error, std::move(reply->message));
    }
    if constexpr (std::is_same_v<Reply, wire::Bytes>) {
        return std::move(reply->body);
    } else {
        return wire::decode<Reply>(reply->body, wire::command_name(command));
    }
}

// A command with an empty reply: 0 or -errno.
inline int simple(wire::Command command, const wire::Bytes &payload) {
    auto r = call<wire::Bytes>(command, payload);
    if (!r) return failure(r.error());
    return 0;
}

// A command whose reply is a new descriptor: it, or -errno.
inline int new_fd(wire::Command command, const wire::Bytes &payload,
                  const std::string *path_hint = nullptr) {
    auto r = call<wire::FdReply>(command, payload, path_hint);
    if (!r) return failure(r.error());
    int fd = static_cast<int>(r->fd);
    Connection::instance().adopt_fd(fd);  // a reused number: old sizes no longer apply
    return fd;
}

// The *_GET_NEXT_ID commands: 0 with *next set, or -errno.
inline int next_id(wire::Command command, __u32 start_id, __u32 *next) {
    if (next == nullptr) return failure(EFAULT, "next_id is NULL");
    auto r = call<wire::IdReply>(command, wire::encode(wire::GetNextIdRequest{start_id}));
    if (!r) return failure(r.error());
    *next = r->id;
    return 0;
}

// The *_GET_FD_BY_ID commands (open_flags 0).
inline int fd_by_id(wire::Command command, __u32 id) {
    return new_fd(command, wire::encode(wire::GetFdByIdRequest{id, 0}));
}

}  // namespace bpffs::client
