#include "core/vm/run_context.h"

#include <sched.h>

#include <cerrno>
#include <cstring>
#include <string>

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

uint64_t RunContext::call_function(uint64_t fn, const uint64_t (&args)[5]) {
    if (function_caller_ == nullptr) {
        fault(EINVAL, "no program is running to call function " + std::to_string(fn) + " of");
        return 0;
    }
    return function_caller_(engine_run_, fn, args);
}

void RunContext::drop_unreachable_regions(size_t mark) {
    if (regions_.size() <= mark) return;
    const auto *words = reinterpret_cast<const uint64_t *>(stack_low_);
    const size_t nwords = (stack_high_ - stack_low_) / sizeof(uint64_t);
    regions_.remove_if_from(mark, [&](const Region &r) {
        for (size_t i = 0; i < nwords; ++i) {
            uint64_t w;
            std::memcpy(&w, words + i, sizeof w);
            if (w >= r.begin && w <= r.end) return false;  // one past the end counts
        }
        return true;
    });
}

Error RunContext::take_fault() {
    faulted_ = false;
    return std::move(fault_);
}

}  // namespace bpffs::vm
