#include "daemon/link_cmds.h"

#include <linux/bpf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "core/map.h"
#include "core/prog.h"
#include "core/wire/frame.h"
#include "core/wire/link_messages.h"
#include "iter/bpf_iter_prog.h"
#include "iter/builtin_targets.h"
#include "iter/link.h"
#include "iter/seq_file.h"

namespace bpffs::link_cmds {

namespace {

using wire::Bytes;

// sizeof(union bpf_iter_link_info): what the kernel copies of iter_info.
constexpr size_t kIterInfoSize = sizeof(union bpf_iter_link_info);
// read(2) never asks a file for more than this (the kernel's MAX_RW_COUNT).
constexpr uint64_t kMaxReadCount = 0x7ffff000;

template <class T>
Result<T> decode(Payload p, wire::Command command) {
    return wire::decode<T>(p, wire::command_name(command));
}

std::string fd_str(uint32_t fd) {
    return "fd " + std::to_string(static_cast<int32_t>(fd));
}

Result<Bytes> install(CallState &c, std::shared_ptr<Object> obj) {
    auto fd = c.session.install(std::move(obj), 0);
    if (!fd) return tl::unexpected(fd.error());
    c.fd = *fd;
    return wire::encode(wire::FdReply{static_cast<uint32_t>(*fd)});
}

// bpf_prog_get: EBADF for an fd that is not open, EINVAL for another kind.
Result<std::shared_ptr<Prog>> prog_of(CallState &c, uint32_t fd, const char *what) {
    auto entry = c.session.get(static_cast<int32_t>(fd));
    if (!entry) return tl::unexpected(entry.error());
    if (entry->obj->kind() != ObjectKind::prog)
        return fail(EINVAL, std::string(what) + " " + fd_str(fd) + " refers to a " +
                                kind_name(entry->obj->kind()) + ", not a program");
    return std::static_pointer_cast<Prog>(entry->obj);
}

// bpf_link_get_from_fd: EBADF, then EINVAL for another kind.
Result<std::shared_ptr<Object>> link_of(CallState &c, uint32_t fd) {
    auto entry = c.session.get(static_cast<int32_t>(fd));
    if (!entry) return tl::unexpected(entry.error());
    if (entry->obj->kind() != ObjectKind::link)
        return fail(EINVAL,
                    fd_str(fd) + " refers to a " + kind_name(entry->obj->kind()) + ", not a link");
    return entry->obj;
}

Result<std::shared_ptr<IterLink>> iter_link_of(CallState &c, uint32_t fd) {
    auto obj = link_of(c, fd);
    if (!obj) return tl::unexpected(obj.error());
    auto link = std::dynamic_pointer_cast<IterLink>(*obj);
    if (!link) return fail(EINVAL, "link " + fd_str(fd) + " is not an iterator link");
    return link;
}

bool is_iter_prog(const Prog &prog) {
    return prog.spec().prog_type == BPF_PROG_TYPE_TRACING &&
           prog.spec().expected_attach_type == BPF_TRACE_ITER;
}

// The program as the iterator layer runs it; it holds the Prog alive. The
// verifier's key/value access sizes (for the EACCES check) travel with the
// vm::Program.
std::shared_ptr<IterProgram> iter_program(const std::shared_ptr<Prog> &prog) {
    std::shared_ptr<const vm::Program> program(prog, &prog->program());
    return std::make_shared<BpfIterProgram>(std::move(program),
                                            (prog->spec().prog_flags & BPF_F_SLEEPABLE) != 0);
}

// The kernel's copy of iter_info: pointer and length must come together;
// more than a page, or non-zero bytes past the union, is E2BIG; a shorter
// length copies only that much (the rest stays zero).
Result<union bpf_iter_link_info> copy_iter_info(const wire::LinkCreateRequest &req) {
    union bpf_iter_link_info info;
    std::memset(&info, 0, sizeof info);
    if (req.iter_info.has_value() != (req.iter_info_len != 0))
        return fail(EINVAL, "iter_info and iter_info_len must be both set or both unset");
    if (!req.iter_info) return info;
    if (req.iter_info_len > wire::kMaxIterInfoLen)
        return fail(
            E2BIG, "iter_info_len " + std::to_string(req.iter_info_len) + " is larger than a page");
    const Bytes &raw = *req.iter_info;
    if (raw.size() != req.iter_info_len)
        return fail(EINVAL, "LINK_CREATE: iter_info carries " + std::to_string(raw.size()) +
                                " bytes, iter_info_len says " + std::to_string(req.iter_info_len));
    if (std::any_of(raw.begin() + std::min(raw.size(), kIterInfoSize), raw.end(),
                    [](uint8_t b) { return b != 0; }))
        return fail(E2BIG, "iter_info is longer than union bpf_iter_link_info (" +
                               std::to_string(kIterInfoSize) +
                               " bytes) and the extra bytes are not zero");
    std::memcpy(&info, raw.data(), std::min(raw.size(), kIterInfoSize));
    return info;
}

// The link parameters of target from iter_info. Targets without a
// parameter ignore iter_info, as the kernel does; map_fd 0 is left for the
// target's check (EBADF).
Result<IterAux> resolve_aux(CallState &c, const IterTarget &target,
                            const union bpf_iter_link_info &info) {
    IterAux aux;
    if (target.param != IterParam::map || info.map.map_fd == 0) return aux;
    auto entry = c.session.get(static_cast<int32_t>(info.map.map_fd));
    if (!entry) return fail(entry.error().code, "iter_info map_fd: " + entry.error().message);
    if (entry->obj->kind() != ObjectKind::map)
        return fail(EINVAL, "iter_info map_fd " + fd_str(info.map.map_fd) + " refers to a " +
                                kind_name(entry->obj->kind()) + ", not a map");
    aux.map = std::static_pointer_cast<Map>(entry->obj);
    return aux;
}

// The target's parameters resolved and checked against the program (the
// kernel's attach_target: the map of bpf_map_elem).
Result<std::shared_ptr<IterLink>> attach_target(CallState &c, const IterTarget &target,
                                                const union bpf_iter_link_info &info,
                                                const std::shared_ptr<Prog> &prog,
                                                std::shared_ptr<IterProgram> program) {
    auto aux = resolve_aux(c, target, info);
    if (!aux) return tl::unexpected(aux.error());
    return IterLink::create(target.name, prog, std::move(program), std::move(*aux));
}

// bpf_iter_link_attach, after the program checks of link_create.
Result<std::shared_ptr<IterLink>> attach_iter(CallState &c, const wire::LinkCreateRequest &req,
                                              const std::shared_ptr<Prog> &prog) {
    if (req.target_fd != 0)
        return fail(EINVAL, "target_fd must be 0 for an iterator link (it is " +
                                std::to_string(req.target_fd) + ")");
    if (req.flags != 0) return fail(EINVAL, "flags must be 0 for an iterator link");
    auto info = copy_iter_info(req);
    if (!info) return tl::unexpected(info.error());
    if (auto st = register_builtin_targets(); !st) return tl::unexpected(st.error());
    const std::string &target_name = prog->spec().attach_target;
    auto target = TargetRegistry::global().find(target_name);
    if (!target)
        return fail(ENOENT, "program " + std::to_string(prog->id()) + " is for iterator target '" +
                                target_name + "', which is not registered");
    auto program = iter_program(prog);
    // Before the target's parameters are resolved, as in the kernel.
    if (program->sleepable() && !target->supports_resched())
        return fail(EINVAL, "sleepable programs cannot attach to iterator target '" + target_name +
                                "' (it does not reschedule)");
    auto link = attach_target(c, *target, *info, prog, std::move(program));
    if (!link) {
        // The kernel has allocated the link's id by now (bpf_link_prime
        // comes before the target's attach_target): a failure spends it.
        Registries::global().of(ObjectKind::link).spend();
        return tl::unexpected(link.error());
    }
    return publish(*link);
}

}  // namespace

Result<Bytes> link_create(CallState &c, Payload p) {
    auto req = decode<wire::LinkCreateRequest>(p, wire::Command::link_create);
    if (!req) return tl::unexpected(req.error());
    auto prog = prog_of(c, req->prog_fd, "prog_fd");
    if (!prog) return tl::unexpected(prog.error());
    const ProgSpec &spec = (*prog)->spec();
    if (spec.prog_type != BPF_PROG_TYPE_TRACING)
        return fail(EINVAL, "program " + std::to_string((*prog)->id()) + " (type " +
                                std::to_string(spec.prog_type) +
                                ") cannot be linked: bpffsd links iterator programs only");
    if (req->attach_type != spec.expected_attach_type)
        return fail(EINVAL, "attach_type " + std::to_string(req->attach_type) +
                                " is not the program's expected_attach_type " +
                                std::to_string(spec.expected_attach_type));
    if (spec.expected_attach_type != BPF_TRACE_ITER)
        return fail(EINVAL, "only iterator programs (BPF_TRACE_ITER) can be linked by bpffsd");
    auto link = attach_iter(c, *req, *prog);
    if (!link) return tl::unexpected(link.error());
    return install(c, *link);
}

Result<Bytes> link_update(CallState &c, Payload p) {
    auto req = decode<wire::LinkUpdateRequest>(p, wire::Command::link_update);
    if (!req) return tl::unexpected(req.error());
    if (req->flags & ~static_cast<uint32_t>(BPF_F_REPLACE))
        return fail(EINVAL, "LINK_UPDATE flags may only contain BPF_F_REPLACE");
    auto link = link_of(c, req->link_fd);
    if (!link) return tl::unexpected(link.error());
    c.fd = static_cast<int32_t>(req->link_fd);
    auto new_prog = prog_of(c, req->new_prog_fd, "new_prog_fd");
    if (!new_prog) return tl::unexpected(new_prog.error());
    std::shared_ptr<Prog> old_prog;
    if (req->flags & BPF_F_REPLACE) {
        auto old = prog_of(c, req->old_prog_fd, "old_prog_fd");
        if (!old) return tl::unexpected(old.error());
        old_prog = *old;
    } else if (req->old_prog_fd != 0) {
        return fail(EINVAL, "old_prog_fd is only allowed with BPF_F_REPLACE");
    }
    auto iter = std::dynamic_pointer_cast<IterLink>(*link);
    if (!iter) return fail(EINVAL, "this link's programs cannot be replaced");
    // A program of another type or attach type names no target, which the
    // link rejects (EINVAL) after its BPF_F_REPLACE check (EPERM).
    const std::string new_target =
        is_iter_prog(**new_prog) ? (*new_prog)->spec().attach_target : std::string();
    auto st = iter->update_program(*new_prog, iter_program(*new_prog), new_target, old_prog.get());
    if (!st) return tl::unexpected(st.error());
    return Bytes{};
}

Result<Bytes> link_detach(CallState &c, Payload p) {
    auto req = decode<wire::LinkDetachRequest>(p, wire::Command::link_detach);
    if (!req) return tl::unexpected(req.error());
    auto link = link_of(c, req->link_fd);
    if (!link) return tl::unexpected(link.error());
    c.fd = static_cast<int32_t>(req->link_fd);
    auto iter = std::dynamic_pointer_cast<IterLink>(*link);
    if (!iter) return fail(EOPNOTSUPP, "this link cannot be detached");
    auto st = iter->detach();
    if (!st) return tl::unexpected(st.error());
    return Bytes{};
}

Result<Bytes> link_get_next_id(CallState &c, Payload p) {
    auto req = decode<wire::GetNextIdRequest>(p, wire::Command::link_get_next_id);
    if (!req) return tl::unexpected(req.error());
    // The kernel refuses start ids from INT_MAX up before anything else.
    if (req->start_id >= INT32_MAX)
        return fail(EINVAL, "start_id " + std::to_string(req->start_id) +
                                " is too large (ids stay below 2^31 - 1)");
    if (c.session.cred().uid != 0)
        return fail(EPERM, "LINK_GET_NEXT_ID needs CAP_SYS_ADMIN (root), as in the kernel");
    auto next = Registries::global().of(ObjectKind::link).next_id(req->start_id);
    if (!next) return fail(ENOENT, "no link has an id above " + std::to_string(req->start_id));
    return wire::encode(wire::IdReply{*next});
}

Result<Bytes> link_get_fd_by_id(CallState &c, Payload p) {
    auto req = decode<wire::GetFdByIdRequest>(p, wire::Command::link_get_fd_by_id);
    if (!req) return tl::unexpected(req.error());
    if (req->open_flags != 0) return fail(EINVAL, "LINK_GET_FD_BY_ID takes open_flags 0");
    if (c.session.cred().uid != 0)
        return fail(EPERM, "LINK_GET_FD_BY_ID needs CAP_SYS_ADMIN (root), as in the kernel");
    auto obj = Registries::global().of(ObjectKind::link).get(req->id);
    if (!obj) return fail(ENOENT, "no link has id " + std::to_string(req->id));
    return install(c, std::move(obj));
}

Result<Bytes> iter_create(CallState &c, Payload p) {
    auto req = decode<wire::IterCreateRequest>(p, wire::Command::iter_create);
    if (!req) return tl::unexpected(req.error());
    if (req->flags != 0) return fail(EINVAL, "ITER_CREATE flags must be 0");
    auto link = iter_link_of(c, req->link_fd);
    if (!link) return tl::unexpected(link.error());
    // The session holds the program current now and the link's map, not
    // the link: as in the kernel, closing the link fd ends the link (its id
    // goes) while this iterator keeps reading.
    auto session = (*link)->open_session();
    if (!session) return tl::unexpected(session.error());
    auto fd = c.session.install_iter(std::shared_ptr<IterSession>(std::move(*session)));
    if (!fd) return tl::unexpected(fd.error());
    c.fd = *fd;
    return wire::encode(wire::FdReply{static_cast<uint32_t>(*fd)});
}

Result<Bytes> iter_read(CallState &c, Payload p) {
    auto req = decode<wire::IterReadRequest>(p, wire::Command::iter_read);
    if (!req) return tl::unexpected(req.error());
    c.fd = static_cast<int32_t>(req->fd);
    auto session = c.session.get_iter(req->fd);
    if (!session) return tl::unexpected(session.error());
    // The size is passed through unchanged (it decides when a fill stops);
    // one read never returns more than the session's buffer holds.
    const size_t size = static_cast<size_t>(std::min(req->size, kMaxReadCount));
    wire::IterReadReply r;
    r.data.resize(std::clamp<size_t>(size, 1, SeqFile::default_size()));
    auto n = (*session)->read(r.data.data(), size);
    if (!n) return tl::unexpected(n.error());
    r.data.resize(*n);
    return wire::encode(r);
}

Bytes link_info(const Object &link) {
    wire::LinkInfo i;
    i.id = link.id();
    if (const auto *iter = dynamic_cast<const IterLink *>(&link)) {
        i.type = BPF_LINK_TYPE_ITER;
        i.prog_id = iter->prog_id();
        i.target_name = iter->target_name();
        i.map_id = iter->map_id();
        i.tid = iter->aux().tid;
        i.pid = iter->aux().pid;
        i.cgroup_id = iter->aux().cgroup_id;
        i.cgroup_order = iter->aux().cgroup_order;
    }
    return wire::encode(i);
}

}  // namespace bpffs::link_cmds
