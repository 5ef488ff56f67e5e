// Paths sent over the control socket are absolute, with a canonical parent
// directory (libbpffs resolves "..", symlinked directories and relative
// paths on the client's side). The daemon strips its canonical mount point
// to get the path inside the pin tree.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace bpffs {

// "dir/m" for "<mountpoint>/dir/m", "" for the mount point itself, nothing
// for a path outside the mount (or not absolute).
std::optional<std::string> path_in_mount(std::string_view mountpoint, std::string_view path);

}  // namespace bpffs
