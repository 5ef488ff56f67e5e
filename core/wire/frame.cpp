#include "core/wire/frame.h"

#include <linux/bpf.h>

#include <cerrno>

namespace bpffs::wire {

// The numbers are the kernel's; the compiler checks that they stay so.
#define BPFFS_SAME_AS_KERNEL(ours, kernels) \
    static_assert(static_cast<uint32_t>(Command::ours) == kernels, #ours)
BPFFS_SAME_AS_KERNEL(map_create, BPF_MAP_CREATE);
BPFFS_SAME_AS_KERNEL(map_lookup_elem, BPF_MAP_LOOKUP_ELEM);
BPFFS_SAME_AS_KERNEL(map_update_elem, BPF_MAP_UPDATE_ELEM);
BPFFS_SAME_AS_KERNEL(map_delete_elem, BPF_MAP_DELETE_ELEM);
BPFFS_SAME_AS_KERNEL(map_get_next_key, BPF_MAP_GET_NEXT_KEY);
BPFFS_SAME_AS_KERNEL(obj_pin, BPF_OBJ_PIN);
BPFFS_SAME_AS_KERNEL(obj_get, BPF_OBJ_GET);
BPFFS_SAME_AS_KERNEL(map_get_next_id, BPF_MAP_GET_NEXT_ID);
BPFFS_SAME_AS_KERNEL(map_get_fd_by_id, BPF_MAP_GET_FD_BY_ID);
BPFFS_SAME_AS_KERNEL(obj_get_info_by_fd, BPF_OBJ_GET_INFO_BY_FD);
BPFFS_SAME_AS_KERNEL(map_lookup_and_delete_elem, BPF_MAP_LOOKUP_AND_DELETE_ELEM);
BPFFS_SAME_AS_KERNEL(map_freeze, BPF_MAP_FREEZE);
BPFFS_SAME_AS_KERNEL(map_lookup_batch, BPF_MAP_LOOKUP_BATCH);
BPFFS_SAME_AS_KERNEL(map_lookup_and_delete_batch, BPF_MAP_LOOKUP_AND_DELETE_BATCH);
BPFFS_SAME_AS_KERNEL(map_update_batch, BPF_MAP_UPDATE_BATCH);
BPFFS_SAME_AS_KERNEL(map_delete_batch, BPF_MAP_DELETE_BATCH);
BPFFS_SAME_AS_KERNEL(prog_load, BPF_PROG_LOAD);
BPFFS_SAME_AS_KERNEL(prog_get_next_id, BPF_PROG_GET_NEXT_ID);
BPFFS_SAME_AS_KERNEL(prog_get_fd_by_id, BPF_PROG_GET_FD_BY_ID);
BPFFS_SAME_AS_KERNEL(btf_load, BPF_BTF_LOAD);
BPFFS_SAME_AS_KERNEL(btf_get_fd_by_id, BPF_BTF_GET_FD_BY_ID);
BPFFS_SAME_AS_KERNEL(btf_get_next_id, BPF_BTF_GET_NEXT_ID);
BPFFS_SAME_AS_KERNEL(link_create, BPF_LINK_CREATE);              // link
BPFFS_SAME_AS_KERNEL(link_update, BPF_LINK_UPDATE);              // link
BPFFS_SAME_AS_KERNEL(link_get_fd_by_id, BPF_LINK_GET_FD_BY_ID);  // link
BPFFS_SAME_AS_KERNEL(link_get_next_id, BPF_LINK_GET_NEXT_ID);    // link
BPFFS_SAME_AS_KERNEL(iter_create, BPF_ITER_CREATE);              // link
BPFFS_SAME_AS_KERNEL(link_detach, BPF_LINK_DETACH);              // link
#undef BPFFS_SAME_AS_KERNEL

const char *command_name(uint32_t command) {
    switch (static_cast<Command>(command)) {
        case Command::map_create:
            return "MAP_CREATE";
        case Command::map_lookup_elem:
            return "MAP_LOOKUP_ELEM";
        case Command::map_update_elem:
            return "MAP_UPDATE_ELEM";
        case Command::map_delete_elem:
            return "MAP_DELETE_ELEM";
        case Command::map_get_next_key:
            return "MAP_GET_NEXT_KEY";
        case Command::obj_pin:
            return "OBJ_PIN";
        case Command::obj_get:
            return "OBJ_GET";
        case Command::map_get_next_id:
            return "MAP_GET_NEXT_ID";
        case Command::map_get_fd_by_id:
            return "MAP_GET_FD_BY_ID";
        case Command::obj_get_info_by_fd:
            return "OBJ_GET_INFO_BY_FD";
        case Command::map_lookup_and_delete_elem:
            return "MAP_LOOKUP_AND_DELETE_ELEM";
        case Command::map_freeze:
            return "MAP_FREEZE";
        case Command::map_lookup_batch:
            return "MAP_LOOKUP_BATCH";
        case Command::map_lookup_and_delete_batch:
            return "MAP_LOOKUP_AND_DELETE_BATCH";
        case Command::map_update_batch:
            return "MAP_UPDATE_BATCH";
        case Command::map_delete_batch:
            return "MAP_DELETE_BATCH";
        case Command::hello:
            return "HELLO";
        case Command::close:
            return "CLOSE";
        case Command::fdinfo:
            return "FDINFO";
        case Command::prog_load:
            return "PROG_LOAD";
        case Command::prog_get_next_id:
            return "PROG_GET_NEXT_ID";
        case Command::prog_get_fd_by_id:
            return "PROG_GET_FD_BY_ID";
        case Command::btf_load:
            return "BTF_LOAD";
        case Command::btf_get_fd_by_id:
            return "BTF_GET_FD_BY_ID";
        case Command::btf_get_next_id:
            return "BTF_GET_NEXT_ID";
        case Command::daemon_btf:
            return "DAEMON_BTF";
        case Command::link_create:  // link
            return "LINK_CREATE";
        case Command::link_update:  // link
            return "LINK_UPDATE";
        case Command::link_get_fd_by_id:  // link
            return "LINK_GET_FD_BY_ID";
        case Command::link_get_next_id:  // link
            return "LINK_GET_NEXT_ID";
        case Command::iter_create:  // link
            return "ITER_CREATE";
        case Command::link_detach:  // link
            return "LINK_DETACH";
        case Command::iter_read:  // link
            return "ITER_READ";
    }
    return nullptr;
}

void encode_header(Writer &w, const RequestHeader &h) {
    w.u32(h.magic);
    w.u16(h.version);
    w.u16(0);
    w.u32(h.command);
    w.u32(h.sequence);
    w.u32(h.payload_len);
}

void encode_header(Writer &w, const ReplyHeader &h) {
    w.u32(h.magic);
    w.u16(h.version);
    w.u16(0);
    w.u32(h.sequence);
    w.i32(h.error);
    w.u32(h.payload_len);
}

bool decode_header(std::span<const uint8_t> in, RequestHeader &h) {
    if (in.size() < kHeaderSize) return false;
    Reader r(in.first(kHeaderSize));
    uint16_t reserved;
    return r.u32(h.magic) && r.u16(h.version) && r.u16(reserved) && r.u32(h.command) &&
           r.u32(h.sequence) && r.u32(h.payload_len);
}

bool decode_header(std::span<const uint8_t> in, ReplyHeader &h) {
    if (in.size() < kHeaderSize) return false;
    Reader r(in.first(kHeaderSize));
    uint16_t reserved;
    return r.u32(h.magic) && r.u16(h.version) && r.u16(reserved) && r.u32(h.sequence) &&
           r.i32(h.error) && r.u32(h.payload_len);
}

HeaderVerdict check_header(uint32_t magic, uint16_t version, uint32_t payload_len) {
    if (magic != kMagic) return HeaderVerdict::bad_magic;
    if (version != kProtocolVersion) return HeaderVerdict::bad_version;
    if (payload_len > kMaxPayload) return HeaderVerdict::too_large;
    return HeaderVerdict::ok;
}

Error header_error(HeaderVerdict verdict, uint32_t payload_len, uint16_t version) {
    switch (verdict) {
        case HeaderVerdict::ok:
            break;
        case HeaderVerdict::bad_magic:
            return {EPROTO, "not a bpffs control protocol frame (bad magic number)"};
        case HeaderVerdict::bad_version:
            return {EPROTONOSUPPORT, "protocol version " + std::to_string(version) +
                                         " is not supported (this side speaks version " +
                                         std::to_string(kProtocolVersion) + ")"};
        case HeaderVerdict::too_large:
            return {E2BIG, "frame payload of " + std::to_string(payload_len) +
                               " bytes exceeds the limit of " + std::to_string(kMaxPayload) +
                               " bytes"};
    }
    return {0, ""};
}

Bytes encode_request(uint32_t command, uint32_t sequence, std::span<const uint8_t> payload) {
    Writer w;
    RequestHeader h;
    h.command = command;
    h.sequence = sequence;
    h.payload_len = static_cast<uint32_t>(payload.size());
    encode_header(w, h);
    w.raw(payload);
    return w.take();
}

Bytes encode_reply(uint32_t sequence, int error, std::string_view message,
                   std::span<const uint8_t> body) {
    Writer w;
    ReplyHeader h;
    h.sequence = sequence;
    h.error = error;
    h.payload_len = static_cast<uint32_t>(4 + message.size() + body.size());
    encode_header(w, h);
    w.string(message);
    w.raw(body);
    return w.take();
}

Result<Reply> decode_reply_payload(int error, std::span<const uint8_t> payload) {
    Reader r(payload);
    Reply reply;
    reply.error = error;
    if (!r.string(reply.message)) return malformed("reply");
    auto rest = r.rest();
    reply.body.assign(rest.begin(), rest.end());
    return reply;
}

}  // namespace bpffs::wire
