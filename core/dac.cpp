#include "core/dac.h"

namespace bpffs {

namespace {

// The permission bits that apply to cred: rwx of owner, group or other.
int granted_bits(const Cred &cred, const Inode &inode) {
    if (cred.uid == inode.uid) return (inode.mode >> 6) & 7;
    if (cred.in_group(inode.gid)) return (inode.mode >> 3) & 7;
    return inode.mode & 7;
}

bool root_may(const Inode &inode, int mask) {
    // CAP_DAC_OVERRIDE: read and write always; execute a file only when
    // some execute bit is set, search a directory always.
    if ((mask & kMayExec) && !inode.is_dir()) return (inode.mode & (S_IXUSR | S_IXGRP | S_IXOTH));
    return true;
}

}  // namespace

bool may_access(const Cred &cred, const Inode &inode, int mask) {
    mask &= kMayRead | kMayWrite | kMayExec;
    if ((granted_bits(cred, inode) & mask) == mask) return true;
    return cred.dac_override() && root_may(inode, mask);
}

bool owner_or_root(const Cred &cred, const Inode &inode) {
    return cred.uid == inode.uid || cred.dac_override();
}

bool sticky_forbids(const Cred &cred, const Inode &dir, const Inode &victim) {
    if (!(dir.mode & S_ISVTX)) return false;
    if (cred.uid == victim.uid || cred.uid == dir.uid) return false;
    return !cred.dac_override();
}

}  // namespace bpffs
