// Fuzz target: command dispatch (daemon/syscall) without a socket. The input
// is a sequence of commands run in one session against a fresh pin tree,
// so that later commands work on the fds, maps and pins earlier ones made:
//
//   input:   uid selector u8, then records until the bytes run out
//   record:  command selector u8 | payload length u16 LE | payload
//
// Every command must come back with a reply (an errno is a fine reply); the
// session and tree are torn down at the end, which frees every object.
#include <cstring>
#include <iterator>

#include "core/pin_tree.h"
#include "core/wire/frame.h"
#include "core/wire/messages.h"
#include "daemon/session.h"
#include "daemon/syscall.h"
#include "tests/fuzz/fuzz_target.h"

using namespace bpffs;
using wire::Command;

namespace {

constexpr const char *kMountPoint = "/fuzz/bpffs";

// Every command the daemon knows, plus numbers it must refuse.
constexpr uint32_t kCommands[] = {
    uint32_t(Command::map_create),
    uint32_t(Command::map_lookup_elem),
    uint32_t(Command::map_update_elem),
    uint32_t(Command::map_delete_elem),
    uint32_t(Command::map_get_next_key),
    uint32_t(Command::obj_pin),
    uint32_t(Command::obj_get),
    uint32_t(Command::map_get_next_id),
    uint32_t(Command::map_get_fd_by_id),
    uint32_t(Command::obj_get_info_by_fd),
    uint32_t(Command::map_lookup_and_delete_elem),
    uint32_t(Command::map_freeze),
    uint32_t(Command::map_lookup_batch),
    uint32_t(Command::map_lookup_and_delete_batch),
    uint32_t(Command::map_update_batch),
    uint32_t(Command::map_delete_batch),
    uint32_t(Command::hello),
    uint32_t(Command::close),
    uint32_t(Command::fdinfo),
    uint32_t(Command::link_create),
    uint32_t(Command::link_update),
    uint32_t(Command::link_detach),
    uint32_t(Command::link_get_next_id),
    uint32_t(Command::link_get_fd_by_id),
    uint32_t(Command::iter_create),
    uint32_t(Command::iter_read),
    5,       // BPF_PROG_LOAD: known to the kernel, maybe not to us yet
    0xffff,  // no such command
};

// Keeps the fuzzer's memory bounded: a map whose preallocated elements would
// take more than this is not created (the size checks themselves still run
// on every smaller request).
constexpr uint64_t kMaxMapBytes = 8u << 20;

bool too_big(uint32_t command, std::span<const uint8_t> payload) {
    if (command == uint32_t(Command::map_create)) {
        auto req = wire::decode<wire::MapCreateRequest>(payload, "map_create");
        if (!req) return false;
        uint64_t elem = uint64_t(req->key_size) + req->value_size + 64;
        return elem * req->max_entries > kMaxMapBytes || req->value_size > kMaxMapBytes;
    }
    return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    Cred cred;
    cred.uid = cred.gid = (data[0] & 1) ? 1000 : 0;
    PinTreeOptions topts;
    topts.mount_point = kMountPoint;
    PinTree tree(topts);
    Syscall syscall(tree, SyscallOptions{kMountPoint, 2, "fuzz"});
    Session session(cred);
    size_t pos = 1;
    while (pos + 3 <= size) {
        uint32_t command = kCommands[data[pos] % std::size(kCommands)];
        uint16_t len;
        memcpy(&len, data + pos + 1, 2);
        pos += 3;
        size_t n = std::min<size_t>(len, size - pos);
        std::span<const uint8_t> payload(data + pos, n);
        pos += n;
        if (too_big(command, payload)) continue;
        (void)syscall.handle(session, command, payload);
    }
    return 0;
}
