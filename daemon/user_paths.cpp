#include "daemon/user_paths.h"

#include <unistd.h>

#include <cstdlib>
#include <string>

namespace bpffs {

void apply_user_defaults(Config &cfg) {
    if (geteuid() == 0) return;
    const char *runtime_dir = getenv("XDG_RUNTIME_DIR");
    if (runtime_dir == nullptr || runtime_dir[0] != '/') return;
    std::string dir = runtime_dir;
    while (dir.size() > 1 && dir.back() == '/')
        dir.pop_back();
    cfg.mountpoint = dir + "/bpffs";
    cfg.socket_path = dir + "/bpffsd.sock";
}

}  // namespace bpffs
