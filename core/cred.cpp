#include "core/cred.h"

#include <algorithm>

namespace bpffs {

bool Cred::in_group(gid_t g) const {
    return g == gid || std::find(groups.begin(), groups.end(), g) != groups.end();
}

}  // namespace bpffs
