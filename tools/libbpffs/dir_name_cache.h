// The canonical names of the directories pins and OBJ_GETs were made in,
// remembered so that the next path in the same directory costs one path
// walk instead of realpath(3)'s one walk per component (on a path of n
// components, n readlink(2) calls from the root: 15 µs for 5 components
// on the test machine, as much as the round trip to the daemon itself).
//
// A remembered name is used only while the directory's name still leads to
// the inode it led to when remembered, and so does the canonical name when
// it differs (one statx(2) each, from the kernel's caches, never asking a
// FUSE daemon). So a directory renamed, replaced, or reached through a
// symlink pointed elsewhere is resolved afresh, as realpath would.
#pragma once

#include <optional>
#include <string>

namespace bpffs::client {

// The canonical name of dir, if remembered and still right.
std::optional<std::string> remembered_dir_name(const std::string &dir);
// Remembers that dir resolved to canonical just now.
void remember_dir_name(const std::string &dir, const std::string &canonical);

}  // namespace bpffs::client
