// The iterator link (BPF_LINK_TYPE_ITER): a program attached to a target
// with the link's parameters (the map of bpf_map_elem...). Reading it —
// an fd from BPF_ITER_CREATE or an open() of the pinned link — starts an
// IterSession that runs the program current at that moment (spec 2.4, 2.5).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "core/map.h"
#include "core/object.h"
#include "core/result.h"
#include "iter/program.h"
#include "iter/session.h"
#include "iter/target.h"

namespace bpffs {

class IterLink final : public Object {
  public:
    // BPF_LINK_CREATE for an iterator, after the socket layer resolved the
    // fds of iter_info (map_fd rules, EBADF, are its own): unknown target
    // ENOENT; then the target's checks (sleepable program on a target
    // without RESCHED EINVAL, required map missing EBADF, map type not
    // allowed EINVAL, key/value access beyond the map EACCES).
    // prog_object is what the link holds (the Prog; may be null for
    // programs that are not objects) and program runs it. Not published.
    static Result<std::shared_ptr<IterLink>> create(
        std::string_view target_name, std::shared_ptr<Object> prog_object,
        std::shared_ptr<IterProgram> program, IterAux aux,
        const TargetRegistry &targets = TargetRegistry::global());

    // BPF_LINK_UPDATE: with BPF_F_REPLACE (old_object not null) the current
    // program must be old_object, else EPERM; the new program must be for
    // the same target, else EINVAL (and pass the target's checks). Open
    // sessions keep running the program they started with.
    Status update_program(std::shared_ptr<Object> new_object,
                          std::shared_ptr<IterProgram> new_program, std::string_view new_target,
                          const Object *old_object);

    // BPF_LINK_DETACH is not supported by iterator links (EOPNOTSUPP).
    Status detach() const;

    // A new session running the current program.
    Result<std::unique_ptr<IterSession>> open_session() const;

    // --- link information (bpftool link show) ---
    const std::string &target_name() const { return target_->name; }
    const IterTarget &target() const { return *target_; }
    // Id of the map parameter, 0 when the target takes none.
    uint32_t map_id() const { return aux_.map ? aux_.map->id() : 0; }
    // Id of the current program object, 0 when it has none.
    uint32_t prog_id() const;
    std::shared_ptr<Object> prog_object() const;
    const IterAux &aux() const { return aux_; }

  private:
    IterLink(std::shared_ptr<const IterTarget> target, std::shared_ptr<Object> prog_object,
             std::shared_ptr<IterProgram> program, IterAux aux);

    std::shared_ptr<const IterTarget> target_;
    const IterAux aux_;
    mutable std::mutex mutex_;  // guards the program pair below
    std::shared_ptr<Object> prog_object_;
    std::shared_ptr<IterProgram> program_;
};

}  // namespace bpffs
