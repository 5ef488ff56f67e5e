#include "iter/preload.h"

#include <sys/stat.h>

#include <cerrno>
#include <span>
#include <string>

#include "iter/builtin_targets.h"
#include "iter/inproc_object.h"
#include "iter/link.h"

namespace bpffs::preload {
std::span<const uint8_t> maps_debug_obj();
std::span<const uint8_t> progs_debug_obj();
}  // namespace bpffs::preload

namespace bpffs {
namespace {

constexpr mode_t kPreloadMode = 0400;

Result<std::shared_ptr<IterLink>> load_iterator(std::span<const uint8_t> bytes,
                                                const std::string &object_name) {
    auto obj = load_inproc_object(bytes, object_name);
    if (!obj) return tl::unexpected(obj.error());
    if (obj->programs.size() != 1)
        return fail(EINVAL, object_name + " must hold exactly one program");
    const InprocProgram &p = obj->programs.front();
    auto program = obj->iter_program(p.name);
    if (!program) return tl::unexpected(program.error());
    auto link = IterLink::create(p.target, p.prog, *program, {});
    if (!link) return tl::unexpected(link.error());
    return publish(*link);
}

}  // namespace

Status preload_iterators(PinTree &tree, uid_t uid, gid_t gid) {
    if (auto st = register_builtin_targets(); !st) return st;
    auto maps = load_iterator(preload::maps_debug_obj(), "maps_debug.bpf.o");
    if (!maps) return fail(maps.error().code, "maps.debug: " + maps.error().message);
    auto progs = load_iterator(preload::progs_debug_obj(), "progs_debug.bpf.o");
    if (!progs) return fail(progs.error().code, "progs.debug: " + progs.error().message);

    if (auto st = tree.pin_preloaded("maps.debug", *maps, kPreloadMode, uid, gid); !st) return st;
    return tree.pin_preloaded("progs.debug", *progs, kPreloadMode, uid, gid);
}

}  // namespace bpffs
