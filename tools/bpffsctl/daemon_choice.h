// Which bpffsd a command talks to. The user decides with --socket or
// $BPFFS_SOCKET; otherwise bpffsctl picks the daemon whose mount holds the
// first path the command line names. libbpffs can only guess from the path
// of the call that opens the connection, and `map create FILE` opens it with
// MAP_CREATE, which names no path: the pin path comes later.
#pragma once

#include <string>
#include <vector>

namespace bpffsctl {

// Remembers that the user chose the daemon (later commands keep it).
void daemon_chosen_by_user();
// For one command line (also each line of a batch file).
void choose_daemon_for(const std::vector<std::string> &words);

}  // namespace bpffsctl
