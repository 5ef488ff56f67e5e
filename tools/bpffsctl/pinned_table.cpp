#include "tools/bpffsctl/pinned_table.h"

#include <ftw.h>
#include <mntent.h>

#include <cstring>

#include "tools/bpffsctl/cli.h"
#include "tools/libbpffs/bpffs.h"

namespace bpffsctl {

namespace {
// nftw() takes a plain function; these carry its state for one build().
PinnedTable *g_table = nullptr;
ObjKind g_kind = ObjKind::map;

int visit(const char *path, const struct stat *, int typeflag, struct FTW *) {
    if (typeflag != FTW_F) return 0;
    int fd = bpffs_obj_get(path);
    if (fd < 0) return 0;
    // FDINFO names the kind and the id of every object (struct
    // bpf_link_info does not start with the id as the other infos do).
    bpffs_fdinfo fi{};
    if (bpffs_obj_get_fdinfo(fd, &fi) == 0 && fi.kind == static_cast<__u32>(g_kind))
        g_table->add(fi.id, path);
    bpffs_close(fd);
    return 0;
}

bool is_bpffs_mount(const mntent &m) {
    if (strncmp(m.mnt_type, "bpf", 3) == 0) return false;  // the kernel's, not ours
    char socket[256];
    return strncmp(m.mnt_type, "fuse", 4) == 0 &&
           bpffs_find_socket(m.mnt_dir, socket, sizeof(socket)) == 0;
}
}  // namespace

PinnedTable PinnedTable::build(ObjKind kind) {
    PinnedTable table;
    FILE *mounts = setmntent("/proc/mounts", "r");
    if (!mounts) return table;
    g_table = &table;
    g_kind = kind;
    while (mntent *m = getmntent(mounts)) {
        if (!is_bpffs_mount(*m)) continue;
        if (nftw(m->mnt_dir, visit, 16, FTW_PHYS) != 0) break;
    }
    endmntent(mounts);
    g_table = nullptr;
    return table;
}

std::vector<std::string> PinnedTable::paths_of(uint32_t id) const {
    auto it = by_id_.find(id);
    if (it == by_id_.end()) return {};
    return {it->second.rbegin(), it->second.rend()};
}

}  // namespace bpffsctl
