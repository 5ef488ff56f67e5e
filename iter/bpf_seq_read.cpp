// bpf_seq_read: how one read(2) of an iterator file fills the seq_file
// buffer from the target and the program (spec 1.3, steps in comments).
// Every rule here was observed on a real kernel (spec Appendix A.1); the
// unit tests in tests/unit/iter replay those observations.
#include <cerrno>
#include <cstring>
#include <string>

#include "core/rcu.h"
#include "iter/session.h"

namespace bpffs {

Result<size_t> IterSession::read(void *buf, size_t size) {
    // Step 1: one reader at a time; the buffer appears on the first read.
    std::lock_guard lock(mutex_);
    // Elements the walk and the program reach stay theirs until the read
    // ends, as the kernel's rcu_read_lock from start() to stop().
    rcu::ReadLock elements_held;
    if (!seq_.allocate())
        return fail(ENOMEM, "no memory for the " + std::to_string(seq_.size()) +
                                "-byte buffer of an iterator session");
    size_t copied = 0;
    Fill outcome;
    if (seq_.count() > 0) {
        // Step 2: bytes left from an earlier fill are served alone, even
        // when the reader has room for more.
        copied = seq_.copy_out(buf, size);
    } else {
        outcome = fill(size);
        // Step 8: the reader gets at most size bytes of the fill; the rest
        // waits for the next reads.
        if (outcome.copy) copied = seq_.copy_out(buf, size);
    }
    // Step 9: bytes copied win over any error; nothing copied and no
    // error is the end of the stream (or a 0-byte read).
    position_ += copied;
    if (copied > 0 || outcome.error.code == 0) return copied;
    return tl::unexpected(outcome.error);
}

IterSession::Fill IterSession::fill(size_t size) {
    // Step 3: a fresh fill starts at the saved position.
    seq_.start_fill();
    Result<void *> first = target_->start(*this, index_);
    if (!first) {
        stop(nullptr);
        seq_.rollback(0);
        return {first.error(), false};
    }
    if (*first == nullptr) return finish_fill(nullptr, nullptr, Error{});

    // Step 4: the first object of a fill has nothing to fall back on: any
    // failure (retry, overflow) fails the read, and the object stays
    // current, so the next read tries it again.
    Error error;
    switch (show(*first, error)) {
        case ShowOutcome::shown:
            break;
        case ShowOutcome::skipped:
            seq_.rollback(0);
            break;
        case ShowOutcome::failed:
            stop(*first);
            seq_.rollback(0);
            return {error, false};
    }
    return fill_rest(*first, size);
}

IterSession::Fill IterSession::fill_rest(void *object, size_t size) {
    // Step 5: add objects until the reader's size is reached, the
    // iteration ends, an object fails, or the per-read cap is hit.
    Error error;
    for (uint64_t visited = 1;; ++visited) {
        size_t offs = seq_.count();  // rollback point for the next object
        uint64_t before = index_;
        Result<void *> next = target_->next(*this, object, index_);
        if (index_ == before) {
            // A next that does not advance would make the next start
            // repeat the object; the kernel advances it and logs.
            ++buggy_next_count_;
            ++index_;
        }
        if (!next) return finish_fill(nullptr, &next.error(), error);
        object = *next;
        if (object == nullptr) break;
        ++seq_num_;  // only a real next object gets a new number
        // The size test comes before the show: the fetched object is shown
        // by the next fill, with the number it already has.
        if (seq_.count() >= size) break;
        if (visited >= kMaxIterObjects) {
            if (offs == 0) {
                stop(object);
                return {Error{EAGAIN, "the iterator visited " + std::to_string(kMaxIterObjects) +
                                          " objects in one read without output; read again "
                                          "to continue"},
                        false};
            }
            break;
        }
        ShowOutcome outcome = show(object, error);
        if (outcome == ShowOutcome::shown) continue;
        seq_.rollback(offs);  // this object's partial output is dropped
        if (outcome == ShowOutcome::skipped) continue;
        if (offs == 0) {
            stop(object);
            return {error, false};
        }
        break;  // earlier objects are returned; this one is retried next read
    }
    return finish_fill(object, nullptr, error);
}

IterSession::Fill IterSession::finish_fill(void *object, const Error *next_error, Error error) {
    // Step 7: stop the walk; at the end of the iteration the program runs
    // once more with a NULL object.
    size_t offs = seq_.count();
    if (next_error != nullptr) {
        // A failing next (6.1+) stops as at the end, final call included,
        // and fails this read; the buffered bytes are served by the next
        // read. done_stop stays false. Unlike the kernel, an overflowing
        // final call is rolled back here so that a full buffer's garbage
        // tail is never served.
        final_call();
        if (seq_.overflowed()) seq_.rollback(offs);
        stop(nullptr);
        return {*next_error, false};
    }
    if (object != nullptr) {
        // The fill stopped before the end: the current object waits for
        // the next read.
        stop(object);
        return {std::move(error), true};
    }
    final_call();
    stop(nullptr);
    if (!seq_.overflowed()) {
        done_stop_ = true;  // the final call never runs again
        return {std::move(error), true};
    }
    // The final call's output did not fit: drop it and retry it on a
    // later read (done_stop stays false).
    seq_.rollback(offs);
    if (offs == 0)
        return {
            Error{E2BIG, "the final call of the iterator program wrote more than the " +
                             std::to_string(seq_.capacity()) + " bytes an iterator buffer holds"},
            false};
    return {std::move(error), true};
}

IterSession::ShowOutcome IterSession::show(void *object, Error &error) {
    IterMeta m = meta();
    int ret = target_->show(ShowContext{*this, m, object, false});
    if (ret > 0) {
        // "Skip this object": its output is dropped and the next object
        // reuses its number. No BPF program can ask for this (spec 1.7);
        // unlike the kernel, the positive value is not later mistaken for
        // a byte count.
        --seq_num_;
        error = Error{};
        return ShowOutcome::skipped;
    }
    if (ret < 0) {
        error = show_error(ret);
        return ShowOutcome::failed;
    }
    // The program's verdict does not matter for overflow: the mark does.
    if (seq_.overflowed()) {
        error = too_big_error();
        return ShowOutcome::failed;
    }
    error = Error{};
    return ShowOutcome::shown;
}

void IterSession::final_call() {
    // Once per session, after the last object (spec 1.10); its result is
    // ignored, only its overflow counts.
    if (done_stop_ || !target_->final_call) return;
    IterMeta m = meta();
    (void)target_->show(ShowContext{*this, m, nullptr, true});
}

void IterSession::stop(void *object) {
    if (target_->stop) target_->stop(*this, object);
}

Error IterSession::show_error(int ret) const {
    if (ret == -EAGAIN)
        return Error{EAGAIN, "the iterator program returned non-zero for object " +
                                 std::to_string(seq_num_) + " of " + target_->name +
                                 "; the object is retried by the next read"};
    return Error{-ret, "iterator target " + target_->name + " failed to show object " +
                           std::to_string(seq_num_) + ": " + std::strerror(-ret)};
}

Error IterSession::too_big_error() const {
    return Error{E2BIG, "the output for object " + std::to_string(seq_num_) + " of " +
                            target_->name + " does not fit the " + std::to_string(seq_.capacity()) +
                            " bytes an iterator buffer holds"};
}

}  // namespace bpffs
