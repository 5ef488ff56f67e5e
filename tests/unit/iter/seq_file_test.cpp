#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <string>

#include "iter/seq_file.h"

using namespace bpffs;

TEST_CASE("the seq_file buffer is PAGE_SIZE << 3 and holds size - 1 bytes") {
    size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    CHECK(SeqFile::default_size() == page << 3);
    SeqFile seq;
    CHECK(seq.size() == page << 3);
    CHECK(seq.capacity() == seq.size() - 1);
    CHECK_FALSE(seq.allocated());
    REQUIRE(seq.allocate());
    CHECK(seq.allocated());
    CHECK(seq.count() == 0);
    CHECK(seq.from() == 0);
}

TEST_CASE("appends must end strictly before the end of the buffer") {
    SeqFile seq(16);
    REQUIRE(seq.allocate());
    std::string fifteen(15, 'a');
    CHECK(seq.write(fifteen.data(), 15) == 0);
    CHECK(seq.count() == 15);
    CHECK_FALSE(seq.overflowed());
    // Nothing more fits, not even one byte.
    CHECK(seq.write("b", 1) == -EOVERFLOW);
    CHECK(seq.overflowed());
    CHECK(seq.count() == 16);
}

TEST_CASE("a write that does not fit writes nothing and marks the buffer overflowed") {
    SeqFile seq(16);
    REQUIRE(seq.allocate());
    CHECK(seq.write("0123456789", 10) == 0);
    CHECK(seq.write("abcdef", 6) == -EOVERFLOW);  // 10 + 6 == 16: not strictly before
    CHECK(seq.overflowed());
    // Further appends in the same show fail, even empty ones and ones that
    // would have fitted before the overflow.
    CHECK(seq.write("a", 1) == -EOVERFLOW);
    CHECK(seq.write("", 0) == -EOVERFLOW);
    CHECK(seq.printf("%d", 1) == -EOVERFLOW);
    // Rolling back to the object's start makes the buffer usable again.
    seq.rollback(10);
    CHECK_FALSE(seq.overflowed());
    CHECK(seq.pending() == "0123456789");
    CHECK(seq.write("abcde", 5) == 0);
    CHECK(seq.pending() == "0123456789abcde");
}

TEST_CASE("printf follows the same rule as write") {
    SeqFile seq(16);
    REQUIRE(seq.allocate());
    CHECK(seq.printf("k=%u v=%s", 7u, "abc") == 0);  // 9 bytes
    CHECK(seq.pending() == "k=7 v=abc");
    CHECK(seq.printf("%06d", 42) == 0);  // 15 bytes in all
    CHECK(seq.count() == 15);
    CHECK(seq.printf("%s", "") == 0);  // empty text still fits: 15 + 0 < 16
    CHECK(seq.printf("%c", 'z') == -EOVERFLOW);
    CHECK(seq.overflowed());
    seq.rollback(9);
    CHECK(seq.printf("%s", "1234567") == -EOVERFLOW);  // 9 + 7 == 16
    seq.rollback(9);
    CHECK(seq.printf("%s", "123456") == 0);
    CHECK(seq.pending() == "k=7 v=abc123456");
}

TEST_CASE("copy_out serves buffered bytes in order and tracks from/count") {
    SeqFile seq(32);
    REQUIRE(seq.allocate());
    REQUIRE(seq.write("hello world", 11) == 0);
    char out[16] = {};
    CHECK(seq.copy_out(out, 5) == 5);
    CHECK(std::string(out, 5) == "hello");
    CHECK(seq.from() == 5);
    CHECK(seq.count() == 6);
    CHECK(seq.copy_out(out, 0) == 0);
    CHECK(seq.copy_out(out, 100) == 6);
    CHECK(std::string(out, 6) == " world");
    CHECK(seq.count() == 0);
    seq.start_fill();
    CHECK(seq.from() == 0);
    CHECK(seq.pending().empty());
}

TEST_CASE("a buffer that was never allocated accepts no output") {
    SeqFile seq(16);
    CHECK(seq.write("a", 1) == -EOVERFLOW);
}
