#include "core/inode.h"

namespace bpffs {

namespace {

bool not_after(const timespec &a, const timespec &b) {
    return a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec <= b.tv_nsec);
}

constexpr time_t kRelatimeInterval = 24 * 60 * 60;

}  // namespace

struct stat Inode::attributes() const {
    struct stat st {};
    st.st_ino = ino;
    st.st_mode = mode;
    st.st_nlink = nlink;
    st.st_uid = uid;
    st.st_gid = gid;
    st.st_size = size;
    st.st_blksize = kBlockSize;
    st.st_blocks = 0;
    st.st_atim = atime;
    st.st_mtim = mtime;
    st.st_ctim = ctime;
    return st;
}

timespec current_time() {
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    return now;
}

bool relatime_needs_update(const Inode &inode, const timespec &now) {
    if (not_after(inode.atime, inode.mtime)) return true;
    if (not_after(inode.atime, inode.ctime)) return true;
    return now.tv_sec - inode.atime.tv_sec >= kRelatimeInterval;
}

}  // namespace bpffs
