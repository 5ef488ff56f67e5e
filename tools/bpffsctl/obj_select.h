// What the command-line selectors of every object kind share (bpftool's
// `id N` and `pinned PATH`, its walks over all ids for `name` and `tag`):
// the parsing, bpftool's sentences for their errors, reported through the
// Cli. Functions return -1 after reporting.
#pragma once

#include <linux/bpf.h>

#include <functional>
#include <string>
#include <vector>

namespace bpffsctl {

class Cli;
struct Args;

// Kinds of bpffs_obj_get_fdinfo() and the words bpftool uses for them.
enum class ObjKind { map = 0, prog = 1, link = 2, btf = 3, unknown = 99 };
const char *obj_kind_name(ObjKind kind);
ObjKind fd_kind(int fd);

// BPF_OBJ_GET of a pinned path; "bpf obj get (PATH): ..." unless quiet.
int open_obj_pinned(Cli &cli, const std::string &path, bool quiet);
// The same, requiring the object to be of kind expected.
int open_obj_pinned_any(Cli &cli, const std::string &path, ObjKind expected);

void close_all(std::vector<int> &fds);

// How objects of one kind are walked by id (libbpffs's calls), and the
// word bpftool's messages name them by.
struct ObjIds {
    const char *noun;  // "map", "prog"
    int (*next_id)(__u32 start, __u32 *next);
    int (*fd_by_id)(__u32 id);
};
extern const ObjIds kMapIds;
extern const ObjIds kProgIds;

// The N of `id N` (the current word): strtoul with base 0 that must
// consume the whole word; "can't parse N as ID" otherwise. Moves past it.
bool parse_id_arg(Cli &cli, Args &args, uint32_t &id);
// The PATH of `pinned PATH` (the current word), opened as an object of kind
// expected. Moves past it.
int parse_pinned_arg(Cli &cli, Args &args, ObjKind expected);

// Appends the fds of every object of ids' kind for which match(fd, yes)
// set yes (match returns nonzero, errno set, when it cannot tell): their
// number, or -1 after an error (fds then closed).
int fds_matching(Cli &cli, const ObjIds &ids, const std::function<int(int fd, bool &yes)> &match,
                 std::vector<int> &fds);

// The one fd a selector named (n of them in fds): -1 when there are none or
// several ("several PLURAL match this handle", fds closed).
int only_fd(Cli &cli, int n, std::vector<int> &fds, const char *plural);

}  // namespace bpffsctl
