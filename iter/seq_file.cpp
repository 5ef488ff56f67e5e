#include "iter/seq_file.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>

namespace bpffs {

size_t SeqFile::default_size() {
    long page = sysconf(_SC_PAGESIZE);
    // sysconf cannot fail for _SC_PAGESIZE on Linux; 4 KiB is the fallback
    // that keeps the documented 32 KiB buffer if it ever did.
    if (page <= 0) page = 4096;
    return static_cast<size_t>(page) << 3;
}

bool SeqFile::allocate() {
    if (buf_ != nullptr) return true;
    buf_.reset(new (std::nothrow) char[size_]);
    return buf_ != nullptr;
}

int SeqFile::write(const void *data, size_t len) {
    // The kernel's seq_write: all or nothing, ending strictly before the end.
    if (buf_ != nullptr && count_ + len < size_) {
        if (len > 0) std::memcpy(buf_.get() + count_, data, len);
        count_ += len;
        return 0;
    }
    set_overflow();
    return -EOVERFLOW;
}

int SeqFile::printf(const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    int ret = vprintf(fmt, args);
    va_end(args);
    return ret;
}

int SeqFile::vprintf(const char *fmt, va_list args) {
    // Formats straight into the free space, like seq_vprintf: the text is
    // kept only if it ends strictly before the end of the buffer.
    if (buf_ != nullptr && count_ < size_) {
        size_t room = size_ - count_;
        int len = std::vsnprintf(buf_.get() + count_, room, fmt, args);
        if (len >= 0 && count_ + static_cast<size_t>(len) < size_) {
            count_ += static_cast<size_t>(len);
            return 0;
        }
    }
    set_overflow();
    return -EOVERFLOW;
}

size_t SeqFile::copy_out(void *dst, size_t n) {
    n = std::min(n, count_);
    if (n > 0) std::memcpy(dst, buf_.get() + from_, n);
    from_ += n;
    count_ -= n;
    return n;
}

}  // namespace bpffs
