// An iterator session: one open iterator file (an fd from BPF_ITER_CREATE
// or one open() of a pinned iterator link). It owns the seq_file buffer,
// the position in the target, the target's private state, a reference to
// the program current at open time, and the numbers a program sees in
// its meta: session_id (global, from 1) and seq_num (per session, from 0).
//
// read() is the kernel's bpf_seq_read (spec 1.3), implemented in
// bpf_seq_read.cpp. Concurrent reads of one session are serialised.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>

#include "core/result.h"
#include "iter/meta.h"
#include "iter/program.h"
#include "iter/seq_file.h"
#include "iter/target.h"

namespace bpffs {

class IterSession {
  public:
    // Objects visited (next calls) per read before giving up (spec 1.6).
    static constexpr uint64_t kMaxIterObjects = 1000000;

    // Opens a session on target for a link with the given parameters:
    // builds the target's private state and then takes the next session id
    // (an open that fails consumes no id, as in the kernel).
    static Result<std::unique_ptr<IterSession>> open(std::shared_ptr<const IterTarget> target,
                                                     IterAux aux,
                                                     std::shared_ptr<IterProgram> program);
    IterSession(const IterSession &) = delete;
    IterSession &operator=(const IterSession &) = delete;

    // One read(2) of at most size bytes into buf: the number of bytes
    // copied (0 at the end), or the error of bpf_seq_read (E2BIG, EAGAIN,
    // ENOMEM, errors of the target's start/next/show).
    Result<size_t> read(void *buf, size_t size);

    // Runs the program on a target context struct: 0, or -EAGAIN when the
    // program returned non-zero (the kernel's bpf_iter_run_prog).
    int run_program(const void *ctx);
    // The same for a program that may fail: memory lists what ctx's
    // pointer fields reach; a stopped run is -EFAULT (its reason is kept
    // in first_fault() the first time).
    int run_program(const void *ctx, std::span<const IterMemory> memory);

    // The first program fault of this session, if any (the daemon logs a
    // fault once per session, not once per object).
    const std::optional<Error> &first_fault() const { return first_fault_; }

    // The state below is consistent inside the target's callbacks (which
    // run under the read lock) and between reads.
    uint64_t session_id() const { return session_id_; }
    uint64_t seq_num() const { return seq_num_; }
    bool done_stop() const { return done_stop_; }
    // The position cookie handed to start/next.
    uint64_t index() const { return index_; }
    // Total bytes returned by read() (the file position).
    uint64_t position() const { return position_; }
    // How often a target's next did not advance index (the kernel logs
    // "buggy seq_file .next" and advances it itself).
    uint64_t buggy_next_count() const { return buggy_next_count_; }

    const IterTarget &target() const { return *target_; }
    const IterAux &aux() const { return aux_; }
    IterProgram &program() { return *program_; }
    SeqFile &seq() { return seq_; }
    IterState *state() { return state_.get(); }
    // The private state as the target's own type.
    template <class T>
    T &state_as() {
        return static_cast<T &>(*state_);
    }

  private:
    IterSession(std::shared_ptr<const IterTarget> target, IterAux aux,
                std::shared_ptr<IterProgram> program, std::unique_ptr<IterState> state);

    // How one read's fill ended: an error to report when nothing is
    // copied, and whether the buffer is copied to the reader at all.
    struct Fill {
        Error error;
        bool copy = true;
    };
    enum class ShowOutcome { shown, skipped, failed };

    Fill fill(size_t size);
    Fill fill_rest(void *object, size_t size);
    Fill finish_fill(void *object, const Error *next_error, Error error);
    ShowOutcome show(void *object, Error &error);
    void final_call();
    void stop(void *object);
    IterMeta meta();
    Error show_error(int ret) const;
    Error too_big_error() const;

    std::shared_ptr<const IterTarget> target_;
    IterAux aux_;
    std::shared_ptr<IterProgram> program_;
    std::unique_ptr<IterState> state_;
    std::mutex mutex_;  // serialises read()
    SeqFile seq_;
    uint64_t session_id_ = 0;
    uint64_t seq_num_ = 0;
    uint64_t index_ = 0;
    uint64_t position_ = 0;
    uint64_t buggy_next_count_ = 0;
    bool done_stop_ = false;
    std::optional<Error> first_fault_;
};

}  // namespace bpffs
