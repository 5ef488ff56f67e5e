// The program and BTF functions of bpffs.h.
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/object.h"
#include "core/wire/prog_messages.h"
#include "tools/libbpffs/bpffs.h"
#include "tools/libbpffs/connection.h"
#include "tools/libbpffs/prog_info.h"
#include "tools/libbpffs/request.h"

using namespace bpffs;
using bpffs::client::Connection;
using wire::Bytes;
using wire::Command;
using namespace bpffs::client;

namespace {

void copy_log(const std::string &log, char *buf, uint32_t size) {
    if (buf == nullptr || size == 0) return;
    size_t n = std::min<size_t>(log.size(), size - 1);
    memcpy(buf, log.data(), n);
    buf[n] = '\0';
}

// A load (PROG_LOAD, BTF_LOAD): the new fd, and the log into log_buf,
// also when the load fails.
int load(Command command, const Bytes &payload, char *log_buf, uint32_t log_size) {
    Bytes error_body;
    auto r = call<wire::LoadReply>(command, payload, nullptr, &error_body);
    if (!r) {
        if (auto body = wire::decode<wire::LoadReply>(error_body, "load log"))
            copy_log(body->log, log_buf, log_size);
        return failure(r.error());
    }
    copy_log(r->log, log_buf, log_size);
    int fd = static_cast<int>(r->fd);
    Connection::instance().forget_fd(fd);
    return fd;
}

// The kernel's way with arrays in info structs: copy what fits into the
// caller's buffer (if any), report the full count.
void copy_array(const Bytes &data, __u64 user_ptr, uint32_t user_bytes) {
    if (user_ptr == 0) return;
    memcpy(reinterpret_cast<void *>(static_cast<uintptr_t>(user_ptr)), data.data(),
           std::min<size_t>(data.size(), user_bytes));
}

// Bytes past the struct that the caller offers must be zero (E2BIG).
int check_tail(const void *info, __u32 info_len, size_t struct_size, const char *what) {
    auto user = static_cast<const uint8_t *>(info);
    for (size_t i = struct_size; i < info_len; ++i)
        if (user[i] != 0)
            return failure(E2BIG, std::string("info_len is larger than ") + what +
                                      " and the extra bytes are not zero");
    return 0;
}

}  // namespace

namespace bpffs::client {

int fill_prog_info(const Bytes &body, void *info, __u32 *info_len) {
    auto pi = wire::decode<wire::ProgInfo>(body, "program info");
    if (!pi) return failure(pi.error());
    if (int err = check_tail(info, *info_len, sizeof(bpf_prog_info), "struct bpf_prog_info"))
        return err;
    // The caller's buffer pointers and sizes are inputs.
    struct bpf_prog_info in;
    memset(&in, 0, sizeof in);
    memcpy(&in, info, std::min<size_t>(*info_len, sizeof in));
    struct bpf_prog_info out;
    memset(&out, 0, sizeof out);
    out.type = pi->type;
    out.id = pi->id;
    memcpy(out.tag, pi->tag.data(), std::min(pi->tag.size(), sizeof out.tag));
    out.xlated_prog_len = static_cast<__u32>(pi->xlated_insns.size());
    out.xlated_prog_insns = in.xlated_prog_insns;
    copy_array(pi->xlated_insns, in.xlated_prog_insns, in.xlated_prog_len);
    out.load_time = pi->load_time;
    out.created_by_uid = pi->created_by_uid;
    out.nr_map_ids = static_cast<__u32>(pi->map_ids.size() / 4);
    out.map_ids = in.map_ids;
    copy_array(pi->map_ids, in.map_ids, in.nr_map_ids * 4);
    strncpy(out.name, pi->name.c_str(), sizeof(out.name) - 1);
    out.gpl_compatible = pi->gpl_compatible;
    out.btf_id = pi->btf_id;
    out.func_info_rec_size = pi->func_info_rec_size;
    out.nr_func_info = pi->func_info_rec_size
                           ? static_cast<__u32>(pi->func_info.size() / pi->func_info_rec_size)
                           : 0;
    out.func_info = in.func_info;
    copy_array(pi->func_info, in.func_info, in.nr_func_info * in.func_info_rec_size);
    out.line_info_rec_size = pi->line_info_rec_size;
    out.nr_line_info = pi->line_info_rec_size
                           ? static_cast<__u32>(pi->line_info.size() / pi->line_info_rec_size)
                           : 0;
    out.line_info = in.line_info;
    copy_array(pi->line_info, in.line_info, in.nr_line_info * in.line_info_rec_size);
    out.verified_insns = pi->verified_insns;
    __u32 len = std::min<__u32>(*info_len, sizeof out);
    memcpy(info, &out, len);
    *info_len = len;
    return 0;
}

int fill_btf_info(const Bytes &body, void *info, __u32 *info_len) {
    auto bi = wire::decode<wire::BtfInfo>(body, "BTF info");
    if (!bi) return failure(bi.error());
    if (int err = check_tail(info, *info_len, sizeof(bpf_btf_info), "struct bpf_btf_info"))
        return err;
    struct bpf_btf_info in;
    memset(&in, 0, sizeof in);
    memcpy(&in, info, std::min<size_t>(*info_len, sizeof in));
    struct bpf_btf_info out;
    memset(&out, 0, sizeof out);
    out.id = bi->id;
    out.btf = in.btf;
    out.btf_size = static_cast<__u32>(bi->btf.size());
    copy_array(bi->btf, in.btf, in.btf_size);
    out.name = in.name;
    out.name_len = static_cast<__u32>(bi->name.size());
    if (in.name != 0 && in.name_len > 0) {
        Bytes name(bi->name.begin(), bi->name.end());
        name.push_back(0);
        copy_array(name, in.name, in.name_len);
    }
    out.kernel_btf = bi->kernel_btf;
    __u32 len = std::min<__u32>(*info_len, sizeof out);
    memcpy(info, &out, len);
    *info_len = len;
    return 0;
}

}  // namespace bpffs::client

extern "C" {

int bpffs_prog_load(enum bpf_prog_type prog_type, const char *prog_name, const char *license,
                    const struct bpf_insn *insns, size_t insn_cnt,
                    const struct bpffs_prog_load_opts *opts) {
    if (insns == nullptr && insn_cnt != 0) return failure(EFAULT, "insns is NULL");
    wire::ProgLoadRequest req;
    req.prog_type = prog_type;
    req.name = prog_name ? prog_name : "";
    req.license = license ? license : "";
    req.insns = bytes_of(insns, insn_cnt * sizeof(struct bpf_insn));
    req.expected_attach_type = opt(opts, &bpffs_prog_load_opts::expected_attach_type);
    req.prog_flags = opt(opts, &bpffs_prog_load_opts::prog_flags);
    const char *target = opt(opts, &bpffs_prog_load_opts::attach_target);
    req.attach_target = target ? target : "";
    req.attach_btf_id = opt(opts, &bpffs_prog_load_opts::attach_btf_id);
    req.prog_btf_fd = opt(opts, &bpffs_prog_load_opts::prog_btf_fd);
    req.func_info_rec_size = opt(opts, &bpffs_prog_load_opts::func_info_rec_size);
    req.func_info =
        bytes_of(opt(opts, &bpffs_prog_load_opts::func_info),
                 size_t{req.func_info_rec_size} * opt(opts, &bpffs_prog_load_opts::func_info_cnt));
    req.line_info_rec_size = opt(opts, &bpffs_prog_load_opts::line_info_rec_size);
    req.line_info =
        bytes_of(opt(opts, &bpffs_prog_load_opts::line_info),
                 size_t{req.line_info_rec_size} * opt(opts, &bpffs_prog_load_opts::line_info_cnt));
    req.log_level = opt(opts, &bpffs_prog_load_opts::log_level);
    req.log_size = opt(opts, &bpffs_prog_load_opts::log_size);
    req.kern_version = opt(opts, &bpffs_prog_load_opts::kern_version);
    return load(Command::prog_load, wire::encode(req), opt(opts, &bpffs_prog_load_opts::log_buf),
                req.log_size);
}

int bpffs_btf_load(const void *btf_data, size_t btf_size, const struct bpffs_btf_load_opts *opts) {
    if (btf_data == nullptr) return failure(EFAULT, "btf_data is NULL");
    wire::BtfLoadRequest req;
    req.btf = bytes_of(btf_data, btf_size);
    req.log_level = opt(opts, &bpffs_btf_load_opts::log_level);
    req.log_size = opt(opts, &bpffs_btf_load_opts::log_size);
    return load(Command::btf_load, wire::encode(req), opt(opts, &bpffs_btf_load_opts::log_buf),
                req.log_size);
}

int bpffs_prog_get_next_id(__u32 start_id, __u32 *next) {
    return next_id(Command::prog_get_next_id, start_id, next);
}

int bpffs_prog_get_fd_by_id(__u32 id) {
    return fd_by_id(Command::prog_get_fd_by_id, id);
}

int bpffs_btf_get_next_id(__u32 start_id, __u32 *next) {
    return next_id(Command::btf_get_next_id, start_id, next);
}

int bpffs_btf_get_fd_by_id(__u32 id) {
    return fd_by_id(Command::btf_get_fd_by_id, id);
}

int bpffs_daemon_btf(void **data, size_t *len) {
    if (data == nullptr || len == nullptr) return failure(EFAULT, "data or len is NULL");
    auto r = call<wire::DaemonBtfReply>(Command::daemon_btf, Bytes{});
    if (!r) return failure(r.error());
    void *copy = malloc(r->btf.empty() ? 1 : r->btf.size());
    if (copy == nullptr) return failure(ENOMEM, "no memory for the daemon's BTF");
    memcpy(copy, r->btf.data(), r->btf.size());
    *data = copy;
    *len = r->btf.size();
    return 0;
}

int bpffs_prog_attach_target(int prog_fd, char *buf, size_t len) {
    if (buf == nullptr || len == 0) return failure(EFAULT, "buf is NULL or empty");
    auto r = call<wire::InfoReply>(Command::obj_get_info_by_fd,
                                   wire::encode(wire::InfoRequest{static_cast<uint32_t>(prog_fd)}));
    if (!r) return failure(r.error());
    if (r->kind != static_cast<uint32_t>(ObjectKind::prog))
        return failure(EINVAL, "fd " + std::to_string(prog_fd) + " is not a program");
    auto pi = wire::decode<wire::ProgInfo>(r->body, "program info");
    if (!pi) return failure(pi.error());
    snprintf(buf, len, "%s", pi->attach_target.c_str());
    return 0;
}

}  // extern "C"
