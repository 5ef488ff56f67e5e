// What the fault, load and access tests share: looking at a running daemon
// from outside (its fds, its memory, the objects it holds), running code in
// a child process (optionally as another user), and raw control frames.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <set>
#include <string>

namespace bpffs::test {

// Open file descriptors of a process (entries of /proc/PID/fd) other than
// /dev/fuse, -1 if gone.
int process_fd_count(pid_t pid);
// VmRSS of a process in KiB (/proc/PID/status), -1 if gone.
long process_rss_kib(pid_t pid);

// Ids of every live map, walked with bpffs_map_get_next_id.
std::set<uint32_t> live_map_ids();
// The same for programs and BTF objects.
std::set<uint32_t> live_prog_ids();
std::set<uint32_t> live_btf_ids();
// Ids of the maps pinned anywhere under dir (walked through the FUSE mount,
// each pin opened with bpffs_obj_get).
std::set<uint32_t> pinned_map_ids(const std::string &dir);
// Pinned files under dir (recursively), and how many of them open with
// bpffs_obj_get (maps, or the daemon's preloaded iterator links).
size_t pinned_file_count(const std::string &dir);
size_t openable_pin_count(const std::string &dir);

// Waits (up to timeout_ms) until live maps are exactly the pinned ones plus
// those in also_held (e.g. the maps of the daemon's preloaded iterators,
// live before the test began), as they become once dead clients' connections are
// released. Returns whether that happened; live/pinned get the last view.
bool wait_live_equals_pinned(const std::string &mountpoint, const std::set<uint32_t> &also_held,
                             std::set<uint32_t> &live, std::set<uint32_t> &pinned,
                             int timeout_ms = 5000);

// Forks, runs body in the child and returns its exit status (128 + signal
// number when it died of one).
int in_child(const std::function<int()> &body);
// The same as another user: what `setpriv --reuid=uid --regid=gid
// --clear-groups` does, then body. 126 when the switch itself failed.
int as_user(uid_t uid, gid_t gid, const std::function<int()> &body);

// A connection to socket_path, or -1 with errno.
int connect_unix(const std::string &socket_path);

}  // namespace bpffs::test
