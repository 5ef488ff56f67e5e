#include "tools/bpffsctl/btf_fetch.h"

#include <cerrno>
#include <cstdlib>
#include <string>

#include "tools/libbpffs/bpffs.h"

namespace bpffsctl {

using bpffs::fail;

bpffs::Result<std::vector<uint8_t>> btf_bytes_by_fd(int fd) {
    bpf_btf_info info{};
    __u32 len = sizeof info;
    if (bpffs_obj_get_info_by_fd(fd, &info, &len) != 0)
        return fail(errno, std::string("can't get BTF info: ") + bpffs_last_error());
    std::vector<uint8_t> raw(info.btf_size);
    info = {};
    info.btf = reinterpret_cast<uintptr_t>(raw.data());
    info.btf_size = static_cast<__u32>(raw.size());
    len = sizeof info;
    if (bpffs_obj_get_info_by_fd(fd, &info, &len) != 0)
        return fail(errno, std::string("can't get BTF data: ") + bpffs_last_error());
    raw.resize(std::min<size_t>(raw.size(), info.btf_size));
    return raw;
}

bpffs::Result<bpffs::btf::Btf> btf_by_id(uint32_t id) {
    int fd = bpffs_btf_get_fd_by_id(id);
    if (fd < 0) return fail(errno, "can't get BTF object by id " + std::to_string(id));
    auto raw = btf_bytes_by_fd(fd);
    bpffs_close(fd);
    if (!raw) return tl::unexpected(raw.error());
    return bpffs::btf::Btf::parse(*raw);
}

bpffs::Result<bpffs::btf::Btf> daemon_btf() {
    void *data = nullptr;
    size_t len = 0;
    if (bpffs_daemon_btf(&data, &len) != 0)
        return fail(errno, std::string("can't get the daemon's BTF: ") + bpffs_last_error());
    auto parsed = bpffs::btf::Btf::parse({static_cast<const uint8_t *>(data), len});
    free(data);
    return parsed;
}

}  // namespace bpffsctl
