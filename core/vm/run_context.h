// Everything one program run uses besides the program itself: the stack
// frames, the memory regions the run may touch, the instruction budget, and
// what helpers need (the trace sink, the CPU number, the caller's data).
// A RunContext is reused across runs so that running allocates nothing; one
// RunContext serves one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/vm/isa.h"
#include "core/vm/regions.h"

namespace bpffs::vm {

class Program;

// Receives each message of bpf_trace_printk.
using TraceSink = std::function<void(std::string_view)>;

inline constexpr uint64_t kDefaultBudget = 100'000'000;

class RunContext {
  public:
    RunContext();
    RunContext(const RunContext &) = delete;
    RunContext &operator=(const RunContext &) = delete;

    // Instructions one run may execute; exhausting it ends the run with E2BIG.
    uint64_t budget = kDefaultBudget;
    // Where bpf_trace_printk output goes (nothing when empty).
    TraceSink trace_sink;
    // The CPU reported by bpf_get_smp_processor_id and used for per-CPU maps;
    // set to the calling thread's CPU at the start of each run.
    unsigned cpu = 0;
    // Instructions executed by the last run that reached its final exit.
    uint64_t instructions_executed() const { return executed_; }
    void set_instructions_executed(uint64_t n) { executed_ = n; }
    // Data of the layer running the program (an iterator session...), for its helpers.
    void *user = nullptr;

    // Memory the program may touch in checked mode. Regions added before a
    // run persist across runs; regions added during a run (by helpers) are
    // dropped when it ends.
    void add_region(const void *ptr, size_t len, bool writable) {
        regions_.add(ptr, len, writable);
    }
    void clear_regions() { regions_.clear(); }
    const RegionTable &regions() const { return regions_; }

    // True when the current run is bounds-checked: helpers must then validate
    // the pointers they are given with allows().
    bool checked() const { return checked_; }
    // The program being run (for helpers checking map pointers against it).
    const Program *program() const { return program_; }
    // Whether [addr, addr + size) may be accessed: the active stack frames or a region.
    bool allows(uint64_t addr, size_t size, bool write) const {
        if (addr >= stack_low_ && addr <= stack_high_ && size <= stack_high_ - addr) return true;
        return regions_.allows(addr, size, write);
    }
    // Bytes readable from addr without leaving the memory the run was given.
    size_t readable_from(uint64_t addr) const;

    // Calls a function of the running program (a callback whose address the
    // program passed, see Program::is_function) with r1..r5 = args on a new
    // stack frame, as the kernel's bpf_loop and bpf_for_each_map_elem call
    // theirs. Returns the callback's r0. A value that is no function of the
    // program, a ninth frame, or a fault inside the callback ends the run:
    // faulted() is then true and the helper must return at once.
    uint64_t call_function(uint64_t fn, const uint64_t (&args)[5]);
    // Drops the regions added since mark (see region_count()) that no word of
    // the active stack frames points into: the memory of one callback
    // invocation (a map element, lookups) a loop no longer reaches. A pointer
    // a verified program kept from inside a callback can only be a spill in
    // a caller's frame, so that memory stays. Keeps long loops from growing
    // the region table without bound.
    void drop_unreachable_regions(size_t mark);
    size_t region_count() const { return regions_.size(); }
    // A 4-byte key buffer per frame that outlives the call using it (array
    // for_each hands the callback a pointer to its index, as the kernel does).
    uint32_t *frame_key(size_t frame) { return &frame_keys_[frame % kMaxFrames]; }
    // The active stack frames: [low, high).
    uintptr_t stack_low() const { return stack_low_; }
    uintptr_t stack_high() const { return stack_high_; }

    // A helper that finds its arguments invalid ends the run with this error.
    void fault(int code, std::string message);
    bool faulted() const { return faulted_; }

    // --- used by the engine ---
    uint8_t *stack_base() { return stack_; }
    void begin_run(const Program &program, bool checked);
    Error take_fault();
    void set_stack_bounds(uintptr_t low, uintptr_t high) {
        stack_low_ = low;
        stack_high_ = high;
    }
    size_t run_region_mark() const { return run_mark_; }
    void end_run() {
        regions_.truncate(run_mark_);
        function_caller_ = nullptr;
        engine_run_ = nullptr;
    }
    // How call_function() reaches the engine running the program.
    using FunctionCaller = uint64_t (*)(void *engine_run, uint64_t fn, const uint64_t *args);
    void set_function_caller(FunctionCaller caller, void *engine_run) {
        function_caller_ = caller;
        engine_run_ = engine_run;
    }

  private:
    alignas(64) uint8_t stack_[kMaxFrames * kStackSize];  // frame 0 at the top
    RegionTable regions_;
    size_t run_mark_ = 0;
    uintptr_t stack_low_ = 0, stack_high_ = 0;
    const Program *program_ = nullptr;
    uint64_t executed_ = 0;
    bool checked_ = true;
    bool faulted_ = false;
    Error fault_;
    FunctionCaller function_caller_ = nullptr;
    void *engine_run_ = nullptr;
    uint32_t frame_keys_[kMaxFrames] = {};
};

}  // namespace bpffs::vm
