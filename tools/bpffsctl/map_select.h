// Naming maps on the command line: `id N`, `pinned PATH`, `name NAME`
// (a name may match several maps). Errors are reported through the Cli with
// bpftool's sentences; functions return -1 (or a negative errno) after that.
#pragma once

#include <linux/bpf.h>

#include <string>
#include <vector>

namespace bpffsctl {

class Cli;
struct Args;

// Kinds of bpffs_obj_get_fdinfo() and the words bpftool uses for them.
enum class ObjKind { map = 0, prog = 1, link = 2, btf = 3, unknown = 99 };
const char *obj_kind_name(ObjKind kind);

// BPF_OBJ_GET of a pinned path; "bpf obj get (PATH): ..." unless quiet.
int open_obj_pinned(Cli &cli, const std::string &path, bool quiet);
// The same, requiring the object to be of kind expected.
int open_obj_pinned_any(Cli &cli, const std::string &path, ObjKind expected);
ObjKind fd_kind(int fd);

// Every map the selector names (fds appended); -1 on error.
int map_parse_fds(Cli &cli, Args &args, std::vector<int> &fds);
// Exactly one map ("several maps match this handle" otherwise).
int map_parse_fd(Cli &cli, Args &args);
int map_parse_fd_and_info(Cli &cli, Args &args, bpf_map_info &info);
// Exactly one program (defined in prog_select.cpp, which has the selectors).
int prog_parse_fd(Cli &cli, Args &args);

int map_info(int fd, bpf_map_info &info);
void close_all(std::vector<int> &fds);

}  // namespace bpffsctl
