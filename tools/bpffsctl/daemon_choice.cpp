#include "tools/bpffsctl/daemon_choice.h"

#include <libgen.h>
#include <linux/limits.h>

#include <cstdlib>

#include "tools/libbpffs/bpffs.h"

namespace bpffsctl {

namespace {
bool g_user_choice = false;
std::string g_current;  // socket picked for the previous command

// The daemon of path, or of its parent directory (a path about to be pinned
// does not exist yet).
bool socket_of(const std::string &path, std::string &socket) {
    char buf[PATH_MAX];
    if (bpffs_find_socket(path.c_str(), buf, sizeof(buf)) == 0) {
        socket = buf;
        return true;
    }
    std::string copy = path;
    if (bpffs_find_socket(dirname(copy.data()), buf, sizeof(buf)) == 0) {
        socket = buf;
        return true;
    }
    return false;
}
}  // namespace

void daemon_chosen_by_user() {
    g_user_choice = true;
}

void choose_daemon_for(const std::vector<std::string> &words) {
    if (g_user_choice) return;
    if (const char *env = getenv("BPFFS_SOCKET"); env && *env) return;
    for (const std::string &word : words) {
        if (word.find('/') == std::string::npos) continue;
        std::string socket;
        if (!socket_of(word, socket)) continue;
        if (socket != g_current) {
            // Fds never outlive a command, so switching daemons loses nothing.
            bpffs_disconnect();
            bpffs_set_socket(socket.c_str());
            g_current = socket;
        }
        return;
    }
}

}  // namespace bpffsctl
