#include "daemon/peer_cred.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

namespace bpffs {

Result<Cred> peer_cred(int socket_fd) {
    struct ucred uc {};
    socklen_t len = sizeof(uc);
    if (getsockopt(socket_fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) != 0)
        return fail(errno, std::string("cannot read the peer's credentials (SO_PEERCRED): ") +
                               strerror(errno));
    Cred cred;
    cred.uid = uc.uid;
    cred.gid = uc.gid;
    cred.pid = uc.pid;
    cred.groups = supplementary_groups(uc.pid);
    return cred;
}

std::vector<gid_t> supplementary_groups(pid_t pid) {
    std::vector<gid_t> groups;
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("Groups:", 0) != 0) continue;
        std::istringstream in(line.substr(7));
        unsigned long g;
        while (in >> g)
            groups.push_back(static_cast<gid_t>(g));
        break;
    }
    return groups;
}

}  // namespace bpffs
