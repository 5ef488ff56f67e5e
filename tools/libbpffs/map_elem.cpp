#include "tools/libbpffs/map_elem.h"

#include <cstring>
#include <string>

#include "core/wire/messages.h"

namespace bpffs::client {

namespace {

wire::Bytes bytes_of(const void *p, size_t len) {
    auto b = static_cast<const uint8_t *>(p);
    return len == 0 ? wire::Bytes{} : wire::Bytes(b, b + len);
}

Error efault(const char *what) {
    return Error{EFAULT, std::string(what) + " is NULL"};
}

}  // namespace

Result<ElemCall> elem_request(__u32 cmd, int fd, const void *key, const void *in, void *out,
                              __u64 flags) {
    using wire::Command;
    Command command;
    switch (cmd) {
        case BPF_MAP_LOOKUP_ELEM:
            command = Command::map_lookup_elem;
            break;
        case BPF_MAP_LOOKUP_AND_DELETE_ELEM:
            command = Command::map_lookup_and_delete_elem;
            break;
        case BPF_MAP_UPDATE_ELEM:
            command = Command::map_update_elem;
            break;
        case BPF_MAP_DELETE_ELEM:
            command = Command::map_delete_elem;
            break;
        case BPF_MAP_GET_NEXT_KEY:
            command = Command::map_get_next_key;
            break;
        default:
            return fail(EINVAL, "command " + std::to_string(cmd) +
                                    " is not a single-element map command (lookup, "
                                    "lookup_and_delete, update, delete, get_next_key)");
    }
    auto sizes = Connection::instance().map_sizes(fd);
    if (!sizes) return tl::unexpected(sizes.error());
    ElemCall call{command, {}, *sizes};
    const auto ufd = static_cast<uint32_t>(fd);
    switch (command) {
        case Command::map_lookup_elem:
        case Command::map_lookup_and_delete_elem:
            if (key == nullptr && sizes->key_size != 0) return tl::unexpected(efault("key"));
            if (out == nullptr) return tl::unexpected(efault("value"));
            call.payload =
                wire::encode(wire::MapLookupRequest{ufd, bytes_of(key, sizes->key_size), flags});
            break;
        case Command::map_update_elem:
            if (key == nullptr && sizes->key_size != 0) return tl::unexpected(efault("key"));
            if (in == nullptr) return tl::unexpected(efault("value"));
            call.payload = wire::encode(wire::MapUpdateRequest{
                ufd, bytes_of(key, sizes->key_size), bytes_of(in, sizes->value_size), flags});
            break;
        case Command::map_delete_elem:
            if (key == nullptr && sizes->key_size != 0) return tl::unexpected(efault("key"));
            call.payload =
                wire::encode(wire::MapDeleteRequest{ufd, bytes_of(key, sizes->key_size)});
            break;
        default: {  // get_next_key
            if (out == nullptr) return tl::unexpected(efault("next_key"));
            wire::MapGetNextKeyRequest req{ufd, std::nullopt};
            if (key != nullptr) req.key = bytes_of(key, sizes->key_size);
            call.payload = wire::encode(req);
            break;
        }
    }
    return call;
}

Status elem_reply(const ElemCall &call, const wire::Reply &reply, void *out) {
    using wire::Command;
    if (reply.error != 0) return fail(reply.error, reply.message);
    switch (call.command) {
        case Command::map_lookup_elem:
        case Command::map_lookup_and_delete_elem: {
            auto r = wire::decode<wire::ValueReply>(reply.body, wire::command_name(call.command));
            if (!r) return tl::unexpected(r.error());
            if (r->value.size() != call.sizes.value_size)
                return fail(EPROTO, "bpffsd returned a value of " +
                                        std::to_string(r->value.size()) + " bytes, expected " +
                                        std::to_string(call.sizes.value_size));
            memcpy(out, r->value.data(), r->value.size());
            return ok();
        }
        case Command::map_get_next_key: {
            auto r = wire::decode<wire::KeyReply>(reply.body, wire::command_name(call.command));
            if (!r) return tl::unexpected(r.error());
            if (r->key.size() != call.sizes.key_size)
                return fail(EPROTO, "bpffsd returned a key of the wrong size");
            if (!r->key.empty()) memcpy(out, r->key.data(), r->key.size());
            return ok();
        }
        default:
            return ok();
    }
}

}  // namespace bpffs::client
