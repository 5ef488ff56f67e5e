// Discretionary access control with the kernel's rules (generic_permission,
// check_sticky, inode_owner_or_capable): the pin tree asks these for every
// operation, with the credentials of the caller (socket peer or FUSE
// request). Root (uid 0) stands for CAP_DAC_OVERRIDE and CAP_FOWNER.
#pragma once

#include "core/cred.h"
#include "core/inode.h"

namespace bpffs {

// Access bits, the values of R_OK, W_OK and X_OK (MAY_READ/WRITE/EXEC).
inline constexpr int kMayRead = 4;
inline constexpr int kMayWrite = 2;
inline constexpr int kMayExec = 1;

// Whether cred may access inode with mask (kMay* bits): owner bits for the
// owner, group bits for a member of the group, other bits otherwise. Root
// may do anything except execute a non-directory without any x bit.
bool may_access(const Cred &cred, const Inode &inode, int mask);

// The owner of the inode or root (chmod, utimes with explicit times,
// sticky directories).
bool owner_or_root(const Cred &cred, const Inode &inode);

// In a sticky directory only the owner of the victim, the owner of the
// directory or root may remove or rename it (check_sticky).
bool sticky_forbids(const Cred &cred, const Inode &dir, const Inode &victim);

}  // namespace bpffs
