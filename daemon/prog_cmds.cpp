#include "daemon/prog_cmds.h"

#include <linux/bpf.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "core/btf/daemon_btf.h"
#include "core/map.h"
#include "core/wire/frame.h"
#include "core/wire/prog_messages.h"
#include "iter/seq_helpers.h"
#include "iter/target.h"
#include "iter/verifier_ctx.h"

namespace bpffs::prog_cmds {

namespace {

using wire::Bytes;

// The kernel's limits: BPF_COMPLEXITY_LIMIT_INSNS instructions, and func/line
// info records between their minimum size and 252 bytes, 4-byte aligned.
constexpr size_t kMaxInsns = 1000000;
constexpr uint32_t kMaxInfoRecSize = 252;

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
    return wire::encode(wire::LoadReply{static_cast<uint32_t>(*fd), {}});
}

// The log buffer of PROG_LOAD and BTF_LOAD: the kernel refuses a log_size
// above UINT_MAX >> 2 (EINVAL); bpffsd also refuses one above what it lets
// a client have (E2BIG), since the log travels in one reply frame.
Status check_log_size(const CallState &c, uint32_t log_size) {
    if (log_size > (UINT32_MAX >> 2))
        return fail(EINVAL, "log_size " + std::to_string(log_size) +
                                " is above the kernel's limit of " +
                                std::to_string(UINT32_MAX >> 2) + " bytes");
    if (log_size > c.max_log_size)
        return fail(E2BIG, "log_size " + std::to_string(log_size) + " is above the " +
                               std::to_string(c.max_log_size) +
                               " bytes bpffsd allows a client (--max-log-size)");
    return ok();
}

// ---- PROG_LOAD ----

// bpffsd runs iterator programs (tracing, attach type iter) and keeps
// socket filters as plain programs (no attach point yet), the one type
// every kernel accepts without an attach target, for comparisons.
Status check_type(const wire::ProgLoadRequest &req) {
    if (req.prog_type == BPF_PROG_TYPE_TRACING) {
        if (req.expected_attach_type != BPF_TRACE_ITER)
            return fail(EINVAL,
                        "tracing programs need expected_attach_type BPF_TRACE_ITER: bpffsd "
                        "only has iterator attach points");
        return ok();
    }
    if (req.prog_type == BPF_PROG_TYPE_SOCKET_FILTER) return ok();
    return fail(EINVAL, "program type " + std::to_string(req.prog_type) +
                            " is not supported by bpffsd (tracing/iter and socket_filter are)");
}

// The iterator target: by name, or by the id of a bpf_iter__<target> type
// in the daemon's BTF (bpffsd's reading of attach_btf_id).
Result<std::string> attach_target(const wire::ProgLoadRequest &req) {
    if (req.prog_type != BPF_PROG_TYPE_TRACING) {
        if (!req.attach_target.empty() || req.attach_btf_id != 0)
            return fail(EINVAL, "only iterator programs take an attach target");
        return std::string();
    }
    if (!req.attach_target.empty()) return req.attach_target;
    if (req.attach_btf_id == 0)
        return fail(EINVAL, "iterator programs need an attach target (attach_btf_id)");
    auto btf = btf::Btf::parse(btf::daemon_btf_raw());
    if (!btf) return tl::unexpected(btf.error());
    constexpr std::string_view prefix = "bpf_iter__";
    if (req.attach_btf_id > btf->type_count() ||
        !btf->type(req.attach_btf_id).name.starts_with(prefix))
        return fail(EINVAL, "attach_btf_id " + std::to_string(req.attach_btf_id) +
                                " is not a bpf_iter__<target> type of the daemon's BTF");
    return std::string(btf->type(req.attach_btf_id).name.substr(prefix.size()));
}

Result<std::shared_ptr<Object>> object_of_kind(CallState &c, uint32_t fd, ObjectKind kind,
                                               const char *what) {
    auto entry = c.session.get(static_cast<int32_t>(fd));
    if (!entry) return tl::unexpected(entry.error());
    if (entry->obj->kind() != kind)
        return fail(EINVAL, std::string(what) + " " + fd_str(fd) + " refers to a " +
                                kind_name(entry->obj->kind()) + ", not a " + kind_name(kind));
    return entry->obj;
}

Status check_info_records(const Bytes &records, uint32_t rec_size, size_t min_size,
                          const char *what) {
    if (records.empty()) return ok();
    if (rec_size < min_size || rec_size > kMaxInfoRecSize || rec_size % 4 != 0)
        return fail(EINVAL, std::string(what) + "_rec_size " + std::to_string(rec_size) +
                                " is invalid (at least " + std::to_string(min_size) +
                                ", at most 252, a multiple of 4)");
    if (records.size() % rec_size != 0)
        return fail(EINVAL, std::string(what) + " is not a whole number of records");
    return ok();
}

// Map references in LDDW name this connection's fds.
vm::ImmResolver session_resolver(CallState &c) {
    return [&c](const vm::PseudoImm &p) -> Result<vm::ResolvedImm> {
        if (p.src != vm::op::kPseudoMapFd && p.src != vm::op::kPseudoMapValue)
            return fail(EINVAL, "64-bit immediate form " + std::to_string(p.src) +
                                    " is not supported (only map fds and map values)");
        auto entry = c.session.get(p.imm);
        if (!entry) return fail(EBADF, "fd " + std::to_string(p.imm) + " is not open");
        if (entry->obj->kind() != ObjectKind::map)
            return fail(EINVAL, "fd " + std::to_string(p.imm) + " refers to a " +
                                    kind_name(entry->obj->kind()) + ", not a map");
        auto map = std::static_pointer_cast<Map>(entry->obj);
        vm::ResolvedImm r;
        r.hold = map;
        r.map = map.get();
        if (p.src == vm::op::kPseudoMapFd) {
            r.value = reinterpret_cast<uintptr_t>(map.get());
            return r;
        }
        // A direct value reference: only single-element arrays (global data).
        if (map->type() != BPF_MAP_TYPE_ARRAY || map->max_entries() != 1)
            return fail(EINVAL, "map " + std::to_string(map->id()) +
                                    ": direct value access needs a single-element array map");
        if (uint32_t(p.next_imm) >= map->value_size())
            return fail(EINVAL, "offset " + std::to_string(uint32_t(p.next_imm)) +
                                    " is outside map " + std::to_string(map->id()) + "'s value");
        const uint32_t key = 0;
        auto *value = static_cast<uint8_t *>(map->lookup_for_prog(&key, 0));
        if (value == nullptr) return fail(EINVAL, "map " + map->name() + " has no value");
        r.value = reinterpret_cast<uintptr_t>(value + uint32_t(p.next_imm));
        r.region = value;
        r.region_len = map->value_size();
        r.region_writable = (map->flags() & BPF_F_RDONLY_PROG) == 0;
        return r;
    };
}

Result<ProgSpec> prog_spec(CallState &c, const wire::ProgLoadRequest &req) {
    if (auto st = check_type(req); !st) return tl::unexpected(st.error());
    ProgSpec spec;
    spec.prog_type = req.prog_type;
    spec.expected_attach_type = req.expected_attach_type;
    spec.name = req.name;
    spec.license = req.license;
    spec.prog_flags = req.prog_flags;
    spec.uid = c.session.cred().uid;
    auto target = attach_target(req);
    if (!target) return tl::unexpected(target.error());
    spec.attach_target = std::move(*target);
    if (req.prog_btf_fd != 0) {
        auto btf = object_of_kind(c, req.prog_btf_fd, ObjectKind::btf, "prog_btf_fd");
        if (!btf) return tl::unexpected(btf.error());
        spec.btf_id = (*btf)->id();
        spec.btf = *btf;
    }
    if ((!req.func_info.empty() || !req.line_info.empty()) && req.prog_btf_fd == 0)
        return fail(EINVAL, "func_info and line_info need the program's BTF (prog_btf_fd)");
    if (auto st = check_info_records(req.func_info, req.func_info_rec_size, sizeof(bpf_func_info),
                                     "func_info");
        !st)
        return tl::unexpected(st.error());
    if (auto st = check_info_records(req.line_info, req.line_info_rec_size, sizeof(bpf_line_info),
                                     "line_info");
        !st)
        return tl::unexpected(st.error());
    spec.func_info_rec_size = req.func_info.empty() ? 0 : req.func_info_rec_size;
    spec.func_info = req.func_info;
    spec.line_info_rec_size = req.line_info.empty() ? 0 : req.line_info_rec_size;
    spec.line_info = req.line_info;
    return spec;
}

Result<std::vector<vm::Insn>> instructions(const Bytes &raw) {
    if (raw.empty()) return fail(EINVAL, "the program has no instructions (insn_cnt is 0)");
    if (raw.size() % sizeof(vm::Insn) != 0)
        return fail(EINVAL, "the instructions are " + std::to_string(raw.size()) +
                                " bytes, not a whole number of 8-byte instructions");
    if (raw.size() / sizeof(vm::Insn) > kMaxInsns)
        return fail(E2BIG,
                    "the program has more than " + std::to_string(kMaxInsns) + " instructions");
    std::vector<vm::Insn> insns(raw.size() / sizeof(vm::Insn));
    std::memcpy(insns.data(), raw.data(), raw.size());
    return insns;
}

// The log the client asked for (log_level > 0), cut to its buffer size.
std::string load_log(const wire::ProgLoadRequest &req, const std::string &text) {
    if (req.log_level == 0 || req.log_size == 0) return {};
    return text.substr(0, req.log_size - 1);
}

Result<Bytes> load_failed(CallState &c, const wire::ProgLoadRequest &req, Error err,
                          const std::string &verifier_log = {}) {
    std::string log = verifier_log.empty() ? load_log(req, err.message + "\n") : verifier_log;
    c.error_body = wire::encode(wire::LoadReply{0, log});
    return tl::unexpected(std::move(err));
}

LoadPolicy &policy_storage() {
    static LoadPolicy policy;
    return policy;
}

// The kernel's CAP_PERFMON rules for root and the configured group.
bool privileged(const Cred &cred) {
    const LoadPolicy &p = load_policy();
    return cred.uid == 0 || (p.has_privileged_gid && cred.in_group(p.privileged_gid));
}

// The verifier's view of the program: its target's context, or a socket
// filter's struct __sk_buff. An unknown iterator target fails the load
// (EINVAL), as in the kernel.
Result<vm::verifier::ProgramEnv> program_env(CallState &c, const ProgSpec &spec,
                                             const wire::ProgLoadRequest &req) {
    vm::verifier::ProgramEnv env;
    if (spec.prog_type == BPF_PROG_TYPE_TRACING) {
        auto target = TargetRegistry::global().find(spec.attach_target);
        if (!target) return fail(EINVAL, "no iterator target named '" + spec.attach_target + "'");
        env = iter_program_env(*target);
    } else {
        env.kind = vm::verifier::ProgKind::socket_filter;
        env.ctx_name = "__sk_buff";
    }
    env.privileged = privileged(c.session.cred());
    env.log_level = req.log_level;
    env.log_size = req.log_level == 0 ? 0 : req.log_size;
    return env;
}

const vm::HelperTable &helpers_for(const ProgSpec &spec) {
    if (spec.prog_type == BPF_PROG_TYPE_TRACING) return iter_helper_table();
    return vm::HelperTable::standard();
}

}  // namespace

void set_load_policy(const LoadPolicy &policy) {
    policy_storage() = policy;
}

const LoadPolicy &load_policy() {
    return policy_storage();
}

Result<Bytes> prog_load(CallState &c, Payload p) {
    auto req = decode<wire::ProgLoadRequest>(p, wire::Command::prog_load);
    if (!req) return tl::unexpected(req.error());
    if (auto st = check_log_size(c, req->log_size); !st) return tl::unexpected(st.error());
    auto spec = prog_spec(c, *req);
    if (!spec) return load_failed(c, *req, spec.error());
    auto insns = instructions(req->insns);
    if (!insns) return load_failed(c, *req, insns.error());
    auto env = program_env(c, *spec, *req);
    if (!env) return load_failed(c, *req, env.error());
    vm::LoadOptions options;
    options.helpers = &helpers_for(*spec);
    options.resolver = session_resolver(c);
    // Verified programs run without per-access checks, except with
    // --checked-vm, and for clients under the strict rules: their
    // bpf_probe_read_kernel must stay within the memory of the run (in
    // unchecked runs it may read any of the daemon's memory, as the kernel's
    // reads any kernel memory for CAP_PERFMON loaders only).
    options.checked = load_policy().checked_vm || !env->privileged;
    vm::verifier::Verdict verdict;
    auto prog = Prog::create_verified(*spec, std::move(*insns), options, std::move(*env), verdict);
    if (!prog) return load_failed(c, *req, prog.error(), verdict.log);
    publish(*prog);
    auto fd = c.session.install(*prog, 0);
    if (!fd) return tl::unexpected(fd.error());
    c.fd = *fd;
    return wire::encode(wire::LoadReply{static_cast<uint32_t>(*fd), verdict.log});
}

Result<Bytes> btf_load(CallState &c, Payload p) {
    auto req = decode<wire::BtfLoadRequest>(p, wire::Command::btf_load);
    if (!req) return tl::unexpected(req.error());
    if (auto st = check_log_size(c, req->log_size); !st) return tl::unexpected(st.error());
    auto btf = BtfObject::create(req->btf);
    if (!btf) {
        if (req->log_level != 0 && req->log_size != 0)
            c.error_body = wire::encode(
                wire::LoadReply{0, (btf.error().message + "\n").substr(0, req->log_size - 1)});
        return tl::unexpected(btf.error());
    }
    publish(*btf);
    return install(c, *btf);
}

Result<Bytes> get_next_id(CallState &c, Payload p, ObjectKind kind) {
    auto command =
        kind == ObjectKind::prog ? wire::Command::prog_get_next_id : wire::Command::btf_get_next_id;
    auto req = decode<wire::GetNextIdRequest>(p, command);
    if (!req) return tl::unexpected(req.error());
    // The kernel refuses start ids from INT_MAX up before the privilege check.
    if (req->start_id >= INT32_MAX)
        return fail(EINVAL, "start_id " + std::to_string(req->start_id) +
                                " is too large (ids stay below 2^31 - 1)");
    if (c.session.cred().uid != 0)
        return fail(EPERM, std::string(wire::command_name(command)) +
                               " needs CAP_SYS_ADMIN (root), as in the kernel");
    auto next = Registries::global().of(kind).next_id(req->start_id);
    if (!next)
        return fail(ENOENT, std::string("no ") + kind_name(kind) + " has an id above " +
                                std::to_string(req->start_id));
    return wire::encode(wire::IdReply{*next});
}

Result<Bytes> get_fd_by_id(CallState &c, Payload p, ObjectKind kind) {
    auto command = kind == ObjectKind::prog ? wire::Command::prog_get_fd_by_id
                                            : wire::Command::btf_get_fd_by_id;
    auto req = decode<wire::GetFdByIdRequest>(p, command);
    if (!req) return tl::unexpected(req.error());
    if (req->open_flags != 0)
        return fail(EINVAL, std::string(wire::command_name(command)) + " takes open_flags 0");
    if (c.session.cred().uid != 0)
        return fail(EPERM, std::string(wire::command_name(command)) +
                               " needs CAP_SYS_ADMIN (root), as in the kernel");
    auto obj = Registries::global().of(kind).get(req->id);
    if (!obj)
        return fail(ENOENT,
                    std::string("no ") + kind_name(kind) + " has id " + std::to_string(req->id));
    auto fd = c.session.install(std::move(obj), 0);
    if (!fd) return tl::unexpected(fd.error());
    c.fd = *fd;
    return wire::encode(wire::FdReply{static_cast<uint32_t>(*fd)});
}

Result<Bytes> daemon_btf(CallState &, Payload p) {
    if (!p.empty()) return wire::malformed("DAEMON_BTF");
    auto raw = btf::daemon_btf_raw();
    return wire::encode(wire::DaemonBtfReply{Bytes(raw.begin(), raw.end())});
}

Bytes prog_info(const Prog &prog) {
    wire::ProgInfo i;
    i.type = prog.spec().prog_type;
    i.id = prog.id();
    i.tag.assign(prog.tag().begin(), prog.tag().end());
    auto xlated = prog.xlated_for_dump();
    const auto *bytes = reinterpret_cast<const uint8_t *>(xlated.data());
    i.xlated_insns.assign(bytes, bytes + xlated.size() * sizeof(vm::Insn));
    i.load_time = prog.load_time_ns();
    i.created_by_uid = prog.spec().uid;
    for (uint32_t id : prog.map_ids()) {
        const auto *b = reinterpret_cast<const uint8_t *>(&id);
        i.map_ids.insert(i.map_ids.end(), b, b + sizeof id);
    }
    i.name = prog.name();
    i.gpl_compatible = prog.gpl_compatible() ? 1 : 0;
    i.btf_id = prog.spec().btf_id;
    i.func_info_rec_size = prog.spec().func_info_rec_size;
    i.func_info = prog.spec().func_info;
    i.line_info_rec_size = prog.spec().line_info_rec_size;
    i.line_info = prog.spec().line_info;
    i.verified_insns =
        prog.verified() ? prog.verified_insns() : static_cast<uint32_t>(xlated.size());
    i.expected_attach_type = prog.spec().expected_attach_type;
    i.attach_target = prog.spec().attach_target;
    // The kernel charges whole pages for the program image.
    i.memlock = (xlated.size() * sizeof(vm::Insn) + 4095) / 4096 * 4096;
    return wire::encode(i);
}

Bytes btf_info(const BtfObject &btf) {
    wire::BtfInfo i;
    i.id = btf.id();
    i.btf = btf.raw();
    i.name = btf.name();
    return wire::encode(i);
}

}  // namespace bpffs::prog_cmds
