// bpffs_map_ops: single-element map commands pipelined over the connection.
#include <cerrno>
#include <vector>

#include "tools/libbpffs/bpffs.h"
#include "tools/libbpffs/connection.h"
#include "tools/libbpffs/map_elem.h"
#include "tools/libbpffs/prog_info.h"

using namespace bpffs;
using bpffs::client::Connection;

extern "C" int bpffs_map_ops(struct bpffs_map_op *ops, size_t n) {
    // Ops fail in two passes (arguments, then replies): the first and last
    // failures are found by position, not by time.
    bool failed = false;
    size_t last_index = 0;
    Error last;
    auto record = [&](size_t index, const Error &e) {
        ops[index].result = -e.code;
        if (!failed || index >= last_index) {
            last_index = index;
            last = e;
        }
        failed = true;
    };
    if (n != 0 && ops == nullptr) {
        client::set_last_error("ops is NULL");
        errno = EFAULT;
        return -EFAULT;
    }
    // Requests first (an op whose arguments are wrong fails alone, unsent).
    std::vector<client::ElemCall> calls;
    std::vector<size_t> op_of;
    calls.reserve(n);
    op_of.reserve(n);
    for (size_t i = 0; i < n; i++) {
        auto &op = ops[i];
        op.result = 0;
        auto req = client::elem_request(op.cmd, op.fd, op.key, op.value, op.value, op.flags);
        if (!req) {
            record(i, req.error());
            continue;
        }
        calls.push_back(std::move(*req));
        op_of.push_back(i);
    }
    std::vector<Connection::Outgoing> outgoing;
    outgoing.reserve(calls.size());
    for (const auto &c : calls)
        outgoing.push_back({c.command, &c.payload});
    size_t answered = 0;
    auto sent = Connection::instance().pipeline(outgoing, [&](size_t j, const wire::Reply &reply) {
        auto &op = ops[op_of[j]];
        if (auto done = client::elem_reply(calls[j], reply, op.value); !done)
            record(op_of[j], done.error());
        answered = j + 1;
    });
    if (!sent) {
        for (size_t j = answered; j < calls.size(); j++)
            record(op_of[j], sent.error());
    }
    if (!failed) return 0;
    client::set_last_error(last.message);
    errno = last.code;
    for (size_t i = 0; i < n; i++)
        if (ops[i].result != 0) return ops[i].result;
    return -last.code;
}
