// The output buffer of one iterator session: the kernel's seq_file, as used
// by bpf_seq_read() and the seq output helpers (bpf_seq_printf,
// bpf_seq_write).
//
// Rules mirrored from the kernel (spec 1.2):
//  - the buffer is PAGE_SIZE << 3 bytes, allocated on the first read, and
//    never grows (generic seq_file doubles; bpf_seq_read does not);
//  - an append succeeds only when the new data ends strictly before the end
//    of the buffer, so one fill holds at most size - 1 bytes;
//  - an append that does not fit marks the buffer "overflowed" (count ==
//    size) and writes nothing; every later append fails too until the
//    session rolls the buffer back;
//  - the helpers report a failed append as -EOVERFLOW.
#pragma once

#include <cstdarg>
#include <cstddef>
#include <memory>
#include <string_view>

namespace bpffs {

class SeqFile {
  public:
    // PAGE_SIZE << 3 of this machine: 32768 with 4 KiB pages.
    static size_t default_size();

    explicit SeqFile(size_t size = default_size()) : size_(size) {}
    SeqFile(const SeqFile &) = delete;
    SeqFile &operator=(const SeqFile &) = delete;

    // Allocates the buffer if it is not there yet; false when memory is
    // short (the read then fails with ENOMEM, as in the kernel).
    bool allocate();
    bool allocated() const { return buf_ != nullptr; }

    size_t size() const { return size_; }
    // The most one fill can hold: size - 1 ("strictly before the end").
    size_t capacity() const { return size_ - 1; }
    // Bytes buffered and not yet returned to the reader.
    size_t count() const { return count_; }
    // Offset of the first byte not yet returned.
    size_t from() const { return from_; }
    bool overflowed() const { return count_ == size_; }

    // --- the helpers' side: 0, or -EOVERFLOW when the data does not fit ---
    int write(const void *data, size_t len);
    int printf(const char *fmt, ...) __attribute__((format(printf, 2, 3)));
    int vprintf(const char *fmt, va_list args) __attribute__((format(printf, 2, 0)));

    // --- bpf_seq_read's side ---
    // Marks the buffer full so that every further append fails.
    void set_overflow() { count_ = size_; }
    // Drops everything appended after offs (the rollback of one object).
    void rollback(size_t offs) { count_ = offs; }
    // Starts a fresh fill: nothing buffered, output starts at offset 0.
    void start_fill() {
        count_ = 0;
        from_ = 0;
    }
    // Moves up to n buffered bytes to dst; returns how many were moved.
    size_t copy_out(void *dst, size_t n);
    // The buffered bytes not yet returned (for tests and diagnostics).
    std::string_view pending() const { return {buf_.get() + from_, count_}; }

  private:
    std::unique_ptr<char[]> buf_;
    size_t size_;
    size_t count_ = 0;
    size_t from_ = 0;
};

}  // namespace bpffs
