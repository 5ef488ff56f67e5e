// Starts a real bpffsd (-f) on a temporary mount point and socket for the
// daemon integration tests, and stops it with SIGTERM at the end.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

namespace bpffs::test {

struct DaemonProcess {
    std::string dir;         // temporary directory holding everything
    std::string mountpoint;  // dir/mnt
    std::string socket;      // dir/ctl.sock
    std::string log;         // dir/bpffsd.log (the daemon's stderr)
    pid_t pid = -1;
    std::vector<std::string> extra_args;  // given to bpffsd before the mount point
};

// Why these tests cannot run here ("" when they can): root and /dev/fuse.
std::string skip_reason();

// Starts bpffsd (path from $BPFFSD) with extra arguments and waits until its
// socket answers and the mount is up. Empty pid on failure, with a message.
bool start_daemon(DaemonProcess &d, std::string &error);
// SIGTERM, then waits; returns the exit status (-1 if it had to be killed).
int stop_daemon(DaemonProcess &d);

// Removes the log and the (empty, unmounted) directories after a clean run.
void remove_daemon_files(const DaemonProcess &d);

// The main() of a test program against one daemon: skips (77) where the
// tests cannot run, starts d, points libbpffs at its socket, runs the
// tests (run_tests returns how many failed), stops the daemon. 1, with the
// end of the daemon's log, when a test failed or bpffsd did not stop
// cleanly (exit status 0, unmounted, socket removed); 0 otherwise.
int run_against_daemon(DaemonProcess &d, const std::function<int()> &run_tests);

bool is_mounted(const std::string &mountpoint);
bool socket_answers(const std::string &socket);
std::string read_file(const std::string &path);

}  // namespace bpffs::test
