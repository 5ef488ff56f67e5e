#include "core/vm/run_context.h"

#include <sched.h>

namespace bpffs::vm {

RunContext::RunContext() : stack_{} {}

size_t RunContext::readable_from(uint64_t addr) const {
    if (addr >= stack_low_ && addr < stack_high_) return stack_high_ - addr;
    return regions_.readable_from(addr);
}

void RunContext::fault(int code, std::string message) {
    if (faulted_) return;  // the first fault explains the run's end
    faulted_ = true;
    fault_ = Error{code, std::move(message)};
}

void RunContext::begin_run(const Program &program, bool checked) {
    program_ = &program;
    checked_ = checked;
    faulted_ = false;
    run_mark_ = regions_.size();
    int c = sched_getcpu();
    cpu = c < 0 ? 0 : unsigned(c);
}

Error RunContext::take_fault() {
    faulted_ = false;
    return std::move(fault_);
}

}  // namespace bpffs::vm
