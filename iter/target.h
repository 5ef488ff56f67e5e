// Iterator targets and their registry, in the shape of the kernel's
// bpf_iter_reg: a target names what is iterated ("bpf_map_elem", "task",
// ...), describes the context struct its programs receive, says which link
// parameters it needs and which features it has, and supplies the
// seq_file-style callbacks that bpf_seq_read drives:
//
//   init(aux)                  per-session private state (at open)
//   start(session, index)      the object at index, nullptr at the end, or an error
//   next(session, obj, index)  the following object (advances index), nullptr, or an error
//   show(ctx)                  run the program on one object: 0, -EAGAIN, other -errno
//   stop(session, obj)         release what start took (obj is nullptr at the end
//                              and after errors)
//
// show gets a ShowContext: the object, the meta (seq_file, session_id,
// seq_num) and a way to run the session's program, so both synthetic C++
// targets and the BPF-program targets (which build the kernel's context
// struct and run the VM) fit the same callback. The final call with a NULL
// object (spec 1.10) is made by the session, through show with is_final set,
// before stop; its result is ignored as in the kernel.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "iter/meta.h"
#include "iter/program.h"

namespace bpffs {

class IterSession;
class Map;
class SeqFile;

// Target features (the kernel's enum bpf_iter_feature).
enum IterFeature : uint32_t {
    // Long walks may be preempted between objects; only such targets
    // accept sleepable programs (spec 2.3).
    kIterResched = 1u << 0,
};

// How a program may use one field of the context struct, for the verifier
// and for the daemon's BTF.
enum class CtxFieldKind {
    object_ptr,  // pointer to a kernel-style object (struct bpf_map *, task_struct *...)
    rdonly_buf,  // read-only buffer (map element key)
    rdwr_buf,    // read-write buffer (map element value)
    scalar,      // plain integer (task_file's fd, tcp's uid)
};

struct CtxField {
    std::string name;  // e.g. "key"
    std::string type;  // C type as in the kernel's BTF, e.g. "struct bpf_map *", "u32"
    CtxFieldKind kind = CtxFieldKind::object_ptr;
    uint32_t size = 8;  // pointers are 8-byte slots
    bool nullable = true;
};

// The context struct of a target: `struct <struct_name> { struct
// bpf_iter_meta *meta; <fields>... }`, laid out with natural alignment.
struct CtxDescription {
    std::string struct_name;       // e.g. "bpf_iter__bpf_map_elem"
    std::vector<CtxField> fields;  // after meta

    // Offset of field i (meta is at 0); fields are naturally aligned.
    uint32_t offset_of(size_t i) const;
    // sizeof the whole struct, rounded up to 8.
    uint32_t size() const;
};

// The link parameter a target takes (union bpf_iter_link_info member).
enum class IterParam { none, map, task, cgroup };

// Link parameters after the link layer resolved fds: what a session needs.
struct IterAux {
    std::shared_ptr<Map> map;  // map targets
    uint32_t tid = 0;          // task targets: at most one of tid/pid set
    uint32_t pid = 0;
    uint32_t cgroup_order = 0;  // cgroup target: enum bpf_cgroup_iter_order
    uint64_t cgroup_id = 0;
};

// Per-session private state of a target (the kernel's target_private):
// destroyed with the session, which is the kernel's fini_seq_private.
class IterState {
  public:
    virtual ~IterState() = default;
};

// What show receives for one program invocation.
struct ShowContext {
    IterSession &session;
    IterMeta &meta;  // seq, session_id, seq_num for this call
    void *object;    // the current object; nullptr in the final call
    bool is_final;   // the end-of-iteration call (spec 1.10)

    SeqFile &seq() const { return *meta.seq; }
    // Runs the session's program on the target's context struct and
    // converts its result the kernel's way: 0 → 0, anything else → -EAGAIN
    // ("retry this object", spec 1.7).
    int run_program(const void *ctx) const;
    // The same for targets whose context points at memory (object views,
    // keys, values): a run the program could not finish is -EFAULT.
    int run_program(const void *ctx, std::span<const IterMemory> memory) const;
};

using IterInitFn = std::function<Result<std::unique_ptr<IterState>>(const IterAux &)>;
using IterStartFn = std::function<Result<void *>(IterSession &, uint64_t &index)>;
using IterNextFn = std::function<Result<void *>(IterSession &, void *object, uint64_t &index)>;
using IterShowFn = std::function<int(const ShowContext &)>;
using IterStopFn = std::function<void(IterSession &, void *object)>;
// Target-specific checks at link creation (e.g. the program's key/value
// access against the map's sizes → EACCES).
using IterAttachFn = std::function<Status(const IterAux &, const IterProgram &)>;

struct IterTarget {
    std::string name;  // the "<target>" of SEC("iter/<target>")
    CtxDescription ctx;
    IterParam param = IterParam::none;
    bool param_required = false;
    std::vector<uint32_t> allowed_map_types;  // for IterParam::map; empty: any
    uint32_t features = 0;                    // IterFeature bits
    bool final_call = true;                   // false for targets like dmabuf

    IterInitFn init;  // optional: no private state
    IterStartFn start;
    IterNextFn next;
    IterShowFn show;
    IterStopFn stop;      // optional
    IterAttachFn attach;  // optional

    bool supports_resched() const { return (features & kIterResched) != 0; }
    // Complete enough to be registered and opened: EINVAL with the reason.
    Status validate() const;
    // The target-side checks of BPF_LINK_CREATE, in the kernel's order:
    // sleepable program on a non-RESCHED target → EINVAL; required map
    // missing → EBADF (map_fd 0); map type not allowed → EINVAL; then the
    // target's own attach checks.
    Status check_attach(const IterAux &aux, const IterProgram &prog) const;
};

// The registered targets, by name (the kernel's `targets` list).
class TargetRegistry {
  public:
    // EINVAL for an incomplete target, EEXIST for a name already taken.
    Status add(std::shared_ptr<const IterTarget> target);
    // ENOENT when no target has that name.
    Status remove(std::string_view name);
    // nullptr when unknown.
    std::shared_ptr<const IterTarget> find(std::string_view name) const;
    // Names in alphabetical order.
    std::vector<std::string> names() const;

    // The daemon's registry.
    static TargetRegistry &global();

  private:
    mutable std::mutex mutex_;
    std::map<std::string, std::shared_ptr<const IterTarget>, std::less<>> targets_;
};

}  // namespace bpffs
