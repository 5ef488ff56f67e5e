// Pinning an fd at a path the user typed, with bpftool's checks and
// messages (shared by `map pin`, `prog pin`, `prog load`).
#pragma once

#include <string>

namespace bpffsctl {

class Cli;

// bpftool mounts a bpffs on the parent directory when it is not one;
// bpffsctl cannot mount a daemon, but a missing directory fails the same way.
int check_pin_parent(Cli &cli, const std::string &path);
// check_pin_parent, then BPF_OBJ_PIN; "can't pin the object (PATH): ..." on failure.
int pin_fd(Cli &cli, int fd, const std::string &path);

}  // namespace bpffsctl
