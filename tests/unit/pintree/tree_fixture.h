// Shared helpers of the pin tree tests: credentials, a trivial object and
// shorthands for lookups by path.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "core/pin_tree.h"

namespace bpffs::test {

struct Thing : Object {
    explicit Thing(ObjectKind kind = ObjectKind::map) : Object(kind) {}
};

inline Cred make_cred(uid_t uid, gid_t gid, mode_t umask = 022) {
    Cred cred;
    cred.uid = uid;
    cred.gid = gid;
    cred.umask = umask;
    return cred;
}

inline const Cred kRoot = make_cred(0, 0);
inline const Cred kAlice = make_cred(1000, 1000);
inline const Cred kBob = make_cred(1001, 1001);

// The errno of a failed result, 0 on success.
template <class R>
int err(const R &result) {
    return result ? 0 : result.error().code;
}

// The inode at path, found by successive lookups as root (each lookup
// counts as a kernel reference, which tests that care about lifetime
// forget again).
inline struct stat stat_of(PinTree &tree, const std::string &parent_path, const std::string &name) {
    Ino dir = kRootIno;
    size_t pos = 0;
    while (pos < parent_path.size()) {
        size_t slash = parent_path.find('/', pos);
        if (slash == std::string::npos) slash = parent_path.size();
        auto st = tree.lookup(kRoot, dir, parent_path.substr(pos, slash - pos));
        if (!st) return {};
        dir = st->st_ino;
        pos = slash + 1;
    }
    auto st = tree.lookup(kRoot, dir, name);
    return st ? *st : (struct stat){};
}

}  // namespace bpffs::test
