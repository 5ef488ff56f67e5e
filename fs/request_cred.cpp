#include "fs/request_cred.h"

#include <vector>

namespace bpffs {

namespace {

std::vector<gid_t> supplementary_groups(fuse_req_t req) {
    std::vector<gid_t> groups(32);
    for (int attempt = 0; attempt < 3; attempt++) {
        int n = fuse_req_getgroups(req, static_cast<int>(groups.size()), groups.data());
        if (n < 0) return {};  // e.g. the process already exited
        if (static_cast<size_t>(n) <= groups.size()) {
            groups.resize(n);
            return groups;
        }
        groups.resize(n);  // the list grew: ask again with room for all
    }
    return {};
}

}  // namespace

Cred request_cred(fuse_req_t req) {
    const fuse_ctx *ctx = fuse_req_ctx(req);
    Cred cred;
    cred.uid = ctx->uid;
    cred.gid = ctx->gid;
    cred.pid = ctx->pid;
    cred.umask = ctx->umask;
    // Root passes every check without them, and reading them costs a trip
    // through /proc.
    if (!cred.dac_override()) cred.groups = supplementary_groups(req);
    return cred;
}

}  // namespace bpffs
