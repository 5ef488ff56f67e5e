#include "tools/bpffsctl/pin_path.h"

#include <libgen.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "tools/bpffsctl/cli.h"
#include "tools/libbpffs/bpffs.h"

namespace bpffsctl {

int check_pin_parent(Cli &cli, const std::string &path) {
    std::string copy = path;
    const char *dir = dirname(copy.data());
    struct stat st;
    if (stat(dir, &st) != 0) {
        cli.error(
            "can't mount BPF file system to pin the object (%s): "
            "mount --make-private %s failed: %s",
            path.c_str(), dir, strerror(errno));
        return -1;
    }
    return 0;
}

int pin_fd(Cli &cli, int fd, const std::string &path) {
    int err = check_pin_parent(cli, path);
    if (err) return err;
    err = bpffs_obj_pin(fd, path.c_str());
    if (err) cli.error("can't pin the object (%s): %s", path.c_str(), strerror(errno));
    return err;
}

}  // namespace bpffsctl
