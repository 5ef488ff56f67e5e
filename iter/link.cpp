#include "iter/link.h"

#include <cerrno>

#include "core/map.h"

namespace bpffs {

IterLink::IterLink(std::shared_ptr<const IterTarget> target, std::shared_ptr<Object> prog_object,
                   std::shared_ptr<IterProgram> program, IterAux aux)
    : Object(ObjectKind::link),
      target_(std::move(target)),
      aux_(std::move(aux)),
      prog_object_(std::move(prog_object)),
      program_(std::move(program)) {}

Result<std::shared_ptr<IterLink>> IterLink::create(std::string_view target_name,
                                                   std::shared_ptr<Object> prog_object,
                                                   std::shared_ptr<IterProgram> program,
                                                   IterAux aux, const TargetRegistry &targets) {
    if (!program) return fail(EINVAL, "an iterator link needs a program");
    auto target = targets.find(target_name);
    if (!target) return fail(ENOENT, "no iterator target named '" + std::string(target_name) + "'");
    if (auto st = target->check_attach(aux, *program); !st) return tl::unexpected(st.error());
    return std::shared_ptr<IterLink>(new IterLink(std::move(target), std::move(prog_object),
                                                  std::move(program), std::move(aux)));
}

Status IterLink::update_program(std::shared_ptr<Object> new_object,
                                std::shared_ptr<IterProgram> new_program,
                                std::string_view new_target, const Object *old_object) {
    if (!new_program) return fail(EINVAL, "link update needs a program");
    std::lock_guard lock(mutex_);
    if (old_object != nullptr && old_object != prog_object_.get())
        return fail(EPERM, "link update: the link's program is not the expected old program");
    if (new_target != target_->name)
        return fail(EINVAL, "link update: the new program is for target '" +
                                std::string(new_target) + "', the link's target is '" +
                                target_->name + "'");
    if (auto st = target_->check_attach(aux_, *new_program); !st) return st;
    prog_object_ = std::move(new_object);
    program_ = std::move(new_program);
    return ok();
}

Status IterLink::detach() const {
    return fail(EOPNOTSUPP, "iterator links cannot be detached");
}

Result<std::unique_ptr<IterSession>> IterLink::open_session() const {
    std::shared_ptr<IterProgram> program;
    {
        std::lock_guard lock(mutex_);
        program = program_;
    }
    return IterSession::open(target_, aux_, std::move(program));
}

uint32_t IterLink::prog_id() const {
    std::lock_guard lock(mutex_);
    return prog_object_ ? prog_object_->id() : 0;
}

std::shared_ptr<Object> IterLink::prog_object() const {
    std::lock_guard lock(mutex_);
    return prog_object_;
}

}  // namespace bpffs
