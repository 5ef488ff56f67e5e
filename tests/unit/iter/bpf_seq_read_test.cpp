// bpf_seq_read against synthetic targets: every branch of the algorithm
// (spec 1.3) and every observation of spec Appendix A.1, replayed.
#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdio>
#include <string>
#include <vector>

#include "tests/unit/iter/synthetic_target.h"

using namespace bpffs;
using synth::Ctx;
using synth::Program;
using synth::read_once;
using synth::read_until_end;
using Reads = std::vector<long>;

namespace {

constexpr size_t kCatSize = 131072;  // coreutils cat's read size

// The lines of A.1.2: 29 bytes per object, 23 bytes for the END line.
uint64_t print_fixed_lines(const Ctx &c) {
    if (c.key == nullptr)
        c.meta->seq->printf("END seq_num=%010llu\n", (unsigned long long)c.meta->seq_num);
    else
        c.meta->seq->printf("object %03llu seq_num=%09llu\n", (unsigned long long)*c.key,
                            (unsigned long long)c.meta->seq_num);
    return 0;
}

std::string fixed_line(uint64_t key, uint64_t seq_num) {
    char line[64];
    std::snprintf(line, sizeof line, "object %03llu seq_num=%09llu\n", (unsigned long long)key,
                  (unsigned long long)seq_num);
    return line;
}

std::string fixed_end(uint64_t seq_num) {
    char line[64];
    std::snprintf(line, sizeof line, "END seq_num=%010llu\n", (unsigned long long)seq_num);
    return line;
}

synth::State &state_of(IterSession &s) {
    return s.state_as<synth::State>();
}

}  // namespace

TEST_CASE("A.1.1: one cat-sized read returns every object and the END line, then 0") {
    auto prog = std::make_shared<Program>([](const Ctx &c) -> uint64_t {
        auto &m = *c.meta;
        if (c.key == nullptr)
            m.seq->printf("END seq_num=%llu session=%llu\n", (unsigned long long)m.seq_num,
                          (unsigned long long)m.session_id);
        else
            m.seq->printf("k=%llu v=%llu seq_num=%llu session=%llu\n", (unsigned long long)*c.key,
                          (unsigned long long)(*c.key < 3 ? 1 : 0), (unsigned long long)m.seq_num,
                          (unsigned long long)m.session_id);
        return 0;
    });
    auto s = synth::open(synth::counted_target(8), prog);
    REQUIRE(s);
    std::string expected;
    for (unsigned k = 0; k < 8; ++k)
        expected += "k=" + std::to_string(k) + " v=" + (k < 3 ? "1" : "0") +
                    " seq_num=" + std::to_string(k) +
                    " session=" + std::to_string(s->session_id()) + "\n";
    expected += "END seq_num=7 session=" + std::to_string(s->session_id()) + "\n";

    std::string out;
    CHECK(read_until_end(*s, kCatSize, &out) == Reads{long(expected.size()), 0});
    CHECK(out == expected);
    CHECK(prog->calls == 9);
    CHECK(prog->final_calls == 1);
    CHECK(s->done_stop());
    CHECK(s->position() == expected.size());
}

TEST_CASE("A.1.1: an empty iteration runs only the final call, with seq_num 0") {
    auto prog = std::make_shared<Program>(print_fixed_lines);
    auto s = synth::open(synth::counted_target(0), prog);
    REQUIRE(s);
    std::string out;
    CHECK(read_until_end(*s, kCatSize, &out) == Reads{23, 0});
    CHECK(out == fixed_end(0));
    CHECK(prog->calls == 1);
    CHECK(prog->final_calls == 1);
}

TEST_CASE("A.1.2: partial reads serve leftover alone; object boundaries show as short reads") {
    auto prog = std::make_shared<Program>(print_fixed_lines);
    auto s = synth::open(synth::counted_target(3), prog);
    REQUIRE(s);
    std::string expected = fixed_line(0, 0) + fixed_line(1, 1) + fixed_line(2, 2) + fixed_end(2);
    REQUIRE(expected.size() == 110);

    std::string out;
    // First line: one program call, served as 7,7,7,7,1.
    Reads first;
    for (int i = 0; i < 5; ++i)
        first.push_back(read_once(*s, 7, &out));
    CHECK(first == Reads{7, 7, 7, 7, 1});
    CHECK(prog->calls == 1);
    Reads second;
    for (int i = 0; i < 5; ++i)
        second.push_back(read_once(*s, 7, &out));
    CHECK(second == Reads{7, 7, 7, 7, 1});
    CHECK(prog->calls == 2);
    // The third line and the END line come from the same fill.
    CHECK(read_once(*s, 7, &out) == 7);
    CHECK(prog->calls == 4);
    CHECK(read_until_end(*s, 7, &out) == Reads{7, 7, 7, 7, 7, 7, 3, 0});
    CHECK(out == expected);
}

TEST_CASE("A.1.2: read sizes 1 and 4096 give the same 110 bytes") {
    std::string expected = fixed_line(0, 0) + fixed_line(1, 1) + fixed_line(2, 2) + fixed_end(2);
    SECTION("size 1: 111 reads") {
        auto s =
            synth::open(synth::counted_target(3), std::make_shared<Program>(print_fixed_lines));
        std::string out;
        Reads reads = read_until_end(*s, 1, &out);
        CHECK(reads.size() == 111);
        CHECK(reads.back() == 0);
        CHECK(out == expected);
    }
    SECTION("size 4096: one read") {
        auto s =
            synth::open(synth::counted_target(3), std::make_shared<Program>(print_fixed_lines));
        std::string out;
        CHECK(read_until_end(*s, 4096, &out) == Reads{110, 0});
        CHECK(out == expected);
    }
}

TEST_CASE("A.1.2: 40 then 4096: a read served from leftover never starts new objects") {
    auto prog = std::make_shared<Program>(print_fixed_lines);
    auto s = synth::open(synth::counted_target(3), prog);
    std::string out;
    CHECK(read_once(*s, 40, &out) == 40);  // two objects produced
    CHECK(prog->calls == 2);
    CHECK(read_once(*s, 4096, &out) == 18);  // leftover only
    CHECK(prog->calls == 2);
    CHECK(read_once(*s, 4096, &out) == 52);  // third object + END
    CHECK(read_once(*s, 4096, &out) == 0);
    CHECK(out == fixed_line(0, 0) + fixed_line(1, 1) + fixed_line(2, 2) + fixed_end(2));
}

TEST_CASE("A.1.11: dd bs=7 over 2 objects: 12 full and 2 partial records") {
    auto s = synth::open(synth::counted_target(2), std::make_shared<Program>(print_fixed_lines));
    std::string out;
    Reads reads = read_until_end(*s, 7, &out);
    REQUIRE(reads.back() == 0);
    reads.pop_back();
    size_t full = 0, partial = 0;
    for (long r : reads)
        (r == 7 ? full : partial)++;
    CHECK(full == 11);  // 29 = 4 x 7 + 1; 29 + 23 = 52 = 7 x 7 + 3
    CHECK(partial == 2);
    CHECK(out == fixed_line(0, 0) + fixed_line(1, 1) + fixed_end(1));
}

namespace {
// A.1.3's program: prints "k=<key> seq <seq_num>" lines and returns 1
// ("retry") for retry_key the first `times` times it sees it (forever when
// times is -1).
struct RetryProgram {
    uint64_t retry_key;
    int times;
    int retried = 0;
    int invocations_on_key = 0;
    uint64_t seq_num_seen_on_key = ~0ull;

    uint64_t operator()(const Ctx &c) {
        if (c.key == nullptr) {
            c.meta->seq->printf("END seq_num=%llu\n", (unsigned long long)c.meta->seq_num);
            return retry_key == ~0ull ? 1 : 0;  // the final call's result is ignored
        }
        c.meta->seq->printf("k=%llu seq_num=%llu\n", (unsigned long long)*c.key,
                            (unsigned long long)c.meta->seq_num);
        if (*c.key != retry_key) return 0;
        ++invocations_on_key;
        if (seq_num_seen_on_key != ~0ull && seq_num_seen_on_key != c.meta->seq_num)
            seq_num_seen_on_key = ~1ull;  // a retry saw another number: wrong
        else
            seq_num_seen_on_key = c.meta->seq_num;
        if (times < 0 || retried < times) {
            ++retried;
            return 1;
        }
        return 0;
    }
};

std::string retry_lines(uint64_t from, uint64_t to) {
    std::string s;
    for (uint64_t k = from; k < to; ++k)
        s += "k=" + std::to_string(k) + " seq_num=" + std::to_string(k) + "\n";
    return s;
}
}  // namespace

TEST_CASE("A.1.3: a program that always returns 1 makes every later read fail with EAGAIN") {
    RetryProgram rp{2, -1};
    auto prog = std::make_shared<Program>([&rp](const Ctx &c) { return rp(c); });
    auto s = synth::open(synth::counted_target(8), prog);
    std::string out;
    CHECK(read_once(*s, kCatSize, &out) == long(retry_lines(0, 2).size()));
    CHECK(out == retry_lines(0, 2));  // the retried object's output was rolled back
    CHECK(read_once(*s, kCatSize) == -EAGAIN);
    CHECK(read_once(*s, kCatSize) == -EAGAIN);
    CHECK(read_once(*s, kCatSize) == -EAGAIN);
    CHECK(rp.invocations_on_key == 4);
    CHECK(rp.seq_num_seen_on_key == 2);
    CHECK(prog->final_calls == 0);
    auto r = s->read(nullptr, 0);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == EAGAIN);
    CHECK_FALSE(r.error().message.empty());
}

TEST_CASE("A.1.3: returning 1 twice: data, EAGAIN, then the rest with the same seq_num") {
    RetryProgram rp{2, 2};
    auto s = synth::open(synth::counted_target(8),
                         std::make_shared<Program>([&rp](const Ctx &c) { return rp(c); }));
    std::string out;
    CHECK(read_once(*s, kCatSize, &out) == long(retry_lines(0, 2).size()));
    CHECK(read_once(*s, kCatSize, &out) == -EAGAIN);
    std::string rest = retry_lines(2, 8) + "END seq_num=7\n";
    CHECK(read_once(*s, kCatSize, &out) == long(rest.size()));
    CHECK(read_once(*s, kCatSize, &out) == 0);
    CHECK(out == retry_lines(0, 8) + "END seq_num=7\n");
    CHECK(rp.invocations_on_key == 3);
    CHECK(rp.seq_num_seen_on_key == 2);
}

TEST_CASE("A.1.3: the first object returning 1 once: EAGAIN, then everything") {
    RetryProgram rp{0, 1};
    auto s = synth::open(synth::counted_target(8),
                         std::make_shared<Program>([&rp](const Ctx &c) { return rp(c); }));
    std::string out;
    CHECK(read_once(*s, kCatSize, &out) == -EAGAIN);
    CHECK(state_of(*s).stops_with_object == 1);  // stop ran for the failed object
    CHECK(read_until_end(*s, kCatSize, &out) == Reads{long(retry_lines(0, 8).size() + 14), 0});
    CHECK(out == retry_lines(0, 8) + "END seq_num=7\n");
}

TEST_CASE("A.1.3: the final call's return value is ignored") {
    RetryProgram rp{~0ull, -1};
    auto prog = std::make_shared<Program>([&rp](const Ctx &c) { return rp(c); });
    auto s = synth::open(synth::counted_target(3), prog);
    std::string out;
    CHECK(read_until_end(*s, kCatSize, &out) == Reads{long(retry_lines(0, 3).size() + 14), 0});
    CHECK(out == retry_lines(0, 3) + "END seq_num=2\n");
    CHECK(prog->final_calls == 1);
    CHECK(s->done_stop());
}

namespace {
// A.1.4's dump_exact: object k writes sizes[k] bytes (default size for
// the others), the final call writes final_size bytes.
Program::Body exact(std::vector<size_t> sizes, size_t final_size) {
    return [sizes, final_size](const Ctx &c) -> uint64_t {
        if (c.key == nullptr)
            synth::write_bytes(c, final_size, 'E');
        else
            synth::write_bytes(c, sizes[*c.key], char('a' + *c.key % 26));
        return 0;
    };
}
}  // namespace

TEST_CASE("A.1.4: one object of exactly 32767 bytes is returned") {
    auto prog = std::make_shared<Program>(exact({32767}, 0));
    auto s = synth::open(synth::counted_target(1), prog);
    std::string out;
    CHECK(read_until_end(*s, kCatSize, &out) == Reads{32767, 0});
    CHECK(out == std::string(32767, 'a'));
    CHECK(s->seq().capacity() == 32767);
}

TEST_CASE("A.1.4/A.1.5: one object of 32768 bytes fails with E2BIG, sticky, no final call") {
    auto prog = std::make_shared<Program>(exact({32768}, 0));
    auto s = synth::open(synth::counted_target(1), prog);
    auto r = s->read(nullptr, kCatSize);  // no byte is copied on failure
    REQUIRE_FALSE(r);
    CHECK(r.error().code == E2BIG);
    CHECK(prog->calls == 1);
    CHECK(prog->final_calls == 0);
    CHECK(read_once(*s, kCatSize) == -E2BIG);
    CHECK(read_once(*s, kCatSize) == -E2BIG);
    CHECK(prog->calls == 3);  // re-run once per read
    CHECK(prog->final_calls == 0);
    CHECK(s->seq_num() == 0);
}

TEST_CASE("A.1.4: no objects, final call of 32767 bytes, then of 32768 bytes") {
    SECTION("32767 fits") {
        auto s = synth::open(synth::counted_target(0), std::make_shared<Program>(exact({}, 32767)));
        std::string out;
        CHECK(read_until_end(*s, kCatSize, &out) == Reads{32767, 0});
        CHECK(out == std::string(32767, 'E'));
    }
    SECTION("32768 is E2BIG, every time (the final call is retried)") {
        auto prog = std::make_shared<Program>(exact({}, 32768));
        auto s = synth::open(synth::counted_target(0), prog);
        CHECK(read_once(*s, kCatSize) == -E2BIG);
        CHECK(read_once(*s, kCatSize) == -E2BIG);
        CHECK(prog->final_calls == 2);
        CHECK_FALSE(s->done_stop());
    }
}

TEST_CASE("A.1.4: key 0 of 32767 bytes and a 1-byte final call: 32767, 1, 0") {
    auto prog = std::make_shared<Program>(exact({32767}, 1));
    auto s = synth::open(synth::counted_target(1), prog);
    std::string out;
    CHECK(read_once(*s, kCatSize, &out) == 32767);
    CHECK_FALSE(s->done_stop());  // the final call overflowed and was rolled back
    CHECK(read_once(*s, kCatSize, &out) == 1);
    CHECK(s->done_stop());
    CHECK(read_once(*s, kCatSize, &out) == 0);
    CHECK(prog->final_calls == 2);  // the final call executed twice
    CHECK(prog->calls == 3);
    CHECK(out == std::string(32767, 'a') + "E");
}

TEST_CASE("A.1.4: 8 objects x 20000 bytes: eight reads of 20000, 16 program calls") {
    auto prog = std::make_shared<Program>(exact(std::vector<size_t>(8, 20000), 0));
    auto s = synth::open(synth::counted_target(8), prog);
    std::string out;
    CHECK(read_until_end(*s, kCatSize, &out) ==
          Reads{20000, 20000, 20000, 20000, 20000, 20000, 20000, 20000, 0});
    CHECK(prog->calls == 16);
    std::string expected;
    for (int k = 0; k < 8; ++k)
        expected += std::string(20000, char('a' + k));
    CHECK(out == expected);
}

TEST_CASE("A.1.5: E2BIG after earlier objects returns them first, then sticks") {
    std::vector<size_t> sizes(100, 100);
    sizes[3] = 40000;
    auto prog = std::make_shared<Program>(exact(sizes, 0));
    auto s = synth::open(synth::counted_target(100), prog);
    std::string out;
    CHECK(read_once(*s, kCatSize, &out) == 300);  // keys 0-2
    uint64_t calls = prog->calls;
    CHECK(calls == 4);
    for (int i = 0; i < 3; ++i) {
        CHECK(read_once(*s, kCatSize) == -E2BIG);
        CHECK(prog->calls == ++calls);
        CHECK(s->seq_num() == 3);
    }
}

TEST_CASE("A.1.6: 2,000,000 objects, printing every 100,000th: the 1,000,000 cap splits reads") {
    auto prog = std::make_shared<Program>([](const Ctx &c) -> uint64_t {
        if (c.key == nullptr)
            c.meta->seq->printf("END seq_num=%llu\n", (unsigned long long)c.meta->seq_num);
        else if (*c.key % 100000 == 0)
            c.meta->seq->printf("k=%llu seq_num=%llu\n", (unsigned long long)*c.key,
                                (unsigned long long)c.meta->seq_num);
        return 0;
    });
    auto s = synth::open(synth::counted_target(2000000), prog);
    std::string first, second;
    for (uint64_t k = 0; k < 1000000; k += 100000)
        first += "k=" + std::to_string(k) + " seq_num=" + std::to_string(k) + "\n";
    for (uint64_t k = 1000000; k < 2000000; k += 100000)
        second += "k=" + std::to_string(k) + " seq_num=" + std::to_string(k) + "\n";
    second += "END seq_num=1999999\n";

    std::string out;
    CHECK(read_once(*s, kCatSize, &out) == long(first.size()));
    CHECK(prog->calls == 1000000);
    CHECK(out == first);
    out.clear();
    // The object fetched at the cap is shown now, with the number it got then.
    CHECK(read_once(*s, kCatSize, &out) == long(second.size()));
    CHECK(out == second);
    CHECK(read_once(*s, kCatSize) == 0);
}

TEST_CASE("A.1.6: the cap with nothing produced is EAGAIN; reading again continues") {
    auto prog = std::make_shared<Program>([](const Ctx &c) -> uint64_t {
        if (c.key == nullptr)
            c.meta->seq->printf("END seq_num=%llu\n", (unsigned long long)c.meta->seq_num);
        else if (*c.key >= 1500000 && *c.key % 100000 == 0)
            c.meta->seq->printf("k=%llu\n", (unsigned long long)*c.key);
        return 0;
    });
    auto s = synth::open(synth::counted_target(2000000), prog);
    auto r = s->read(nullptr, kCatSize);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == EAGAIN);
    CHECK(prog->calls == 1000000);
    CHECK(state_of(*s).stops_with_object == 1);
    std::string out;
    CHECK(read_once(*s, kCatSize, &out) > 0);
    CHECK(out == "k=1500000\nk=1600000\nk=1700000\nk=1800000\nk=1900000\nEND seq_num=1999999\n");
    CHECK(read_once(*s, kCatSize) == 0);
}

TEST_CASE("A.1.9: a zero-size read returns 0 but buffers one object") {
    auto prog = std::make_shared<Program>(print_fixed_lines);
    auto s = synth::open(synth::counted_target(3), prog);
    CHECK(read_once(*s, 0) == 0);
    CHECK(prog->calls == 1);
    CHECK(s->seq().count() == 29);
    std::string out;
    CHECK(read_once(*s, 4096, &out) == 29);  // only the object the 0-byte read buffered
    CHECK(out == fixed_line(0, 0));
    CHECK(read_once(*s, 4096, &out) == 29 + 29 + 23);
    CHECK(read_once(*s, 4096, &out) == 0);
    CHECK(out == fixed_line(0, 0) + fixed_line(1, 1) + fixed_line(2, 2) + fixed_end(2));
    // A zero-size read served from leftover copies nothing and keeps it.
    auto s2 = synth::open(synth::counted_target(3), std::make_shared<Program>(print_fixed_lines));
    CHECK(read_once(*s2, 10) == 10);
    CHECK(read_once(*s2, 0) == 0);
    CHECK(read_once(*s2, 100) == 19);
}

TEST_CASE("1.8: seq_num of the final call is that of the last object; retries keep numbers") {
    std::vector<uint64_t> seen;
    auto prog = std::make_shared<Program>([&seen](const Ctx &c) -> uint64_t {
        seen.push_back(c.meta->seq_num);
        synth::write_bytes(c, 10);
        return 0;
    });
    auto s = synth::open(synth::counted_target(5), prog);
    // Reads of 15: one object per fill, except the last fill (object 4 and
    // the final call).
    std::string out;
    Reads reads = read_until_end(*s, 15, &out);
    CHECK(out.size() == 60);
    CHECK(seen == std::vector<uint64_t>{0, 1, 2, 3, 4, 4});
}

TEST_CASE("1.3 step 5.5: the object fetched when the size is reached is shown next read") {
    std::vector<uint64_t> keys;
    auto prog = std::make_shared<Program>([&keys](const Ctx &c) -> uint64_t {
        if (c.key != nullptr) keys.push_back(*c.key);
        synth::write_bytes(c, 10);
        return 0;
    });
    auto s = synth::open(synth::counted_target(4), prog);
    CHECK(read_once(*s, 20) == 20);  // objects 0 and 1; object 2 fetched, not shown
    CHECK(keys == std::vector<uint64_t>{0, 1});
    CHECK(s->seq_num() == 2);
    CHECK(state_of(*s).stops_with_object == 1);
    CHECK(read_once(*s, 20) == 20);  // objects 2 and 3
    CHECK(keys == std::vector<uint64_t>{0, 1, 2, 3});
    CHECK(read_once(*s, 20) == 10);  // final call alone
    CHECK(read_once(*s, 20) == 0);
}

TEST_CASE("after the end, reads return 0 and never run the program again") {
    auto prog = std::make_shared<Program>(print_fixed_lines);
    auto s = synth::open(synth::counted_target(2), prog);
    read_until_end(*s, kCatSize);
    uint64_t calls = prog->calls;
    for (int i = 0; i < 3; ++i)
        CHECK(read_once(*s, kCatSize) == 0);
    CHECK(prog->calls == calls);
    CHECK(state_of(*s).stops_without_object == 5);  // every read that reached the end
}

TEST_CASE("errors from start: stop, no program call, error returned") {
    auto target = synth::counted_target(3);
    target->start = [](IterSession &, uint64_t &) -> Result<void *> {
        return fail(EOPNOTSUPP, "the walk cannot resume");
    };
    auto prog = std::make_shared<Program>(print_fixed_lines);
    auto s = synth::open(target, prog);
    auto r = s->read(nullptr, kCatSize);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == EOPNOTSUPP);
    CHECK(r.error().message == "the walk cannot resume");
    CHECK(prog->calls == 0);
    CHECK(state_of(*s).stops_without_object == 1);
    CHECK(s->seq().count() == 0);
}

TEST_CASE("errors from next: final call, stop, error now; buffered bytes served next read") {
    auto target = synth::counted_target(5);
    target->next = [](IterSession &s, void *, uint64_t &index) -> Result<void *> {
        auto &st = s.state_as<synth::State>();
        ++index;
        if (index == 2) return fail(EOPNOTSUPP, "next failed");
        st.current = index;
        return &st.current;
    };
    auto prog = std::make_shared<Program>(print_fixed_lines);
    auto s = synth::open(target, prog);
    CHECK(read_once(*s, kCatSize) == -EOPNOTSUPP);
    CHECK(prog->final_calls == 1);
    CHECK_FALSE(s->done_stop());
    CHECK(state_of(*s).stops_without_object == 1);
    std::string out;
    CHECK(read_once(*s, kCatSize, &out) == 29 + 29 + 23);
    CHECK(out == fixed_line(0, 0) + fixed_line(1, 1) + fixed_end(1));
}

TEST_CASE("other negative show results fail like a retry") {
    auto target = synth::counted_target(4);
    auto inner = target->show;
    target->show = [inner](const ShowContext &sc) {
        if (sc.object != nullptr && *static_cast<uint64_t *>(sc.object) == 2) {
            sc.seq().printf("partial output");
            return -EIO;
        }
        return inner(sc);
    };
    auto s = synth::open(target, std::make_shared<Program>(print_fixed_lines));
    std::string out;
    CHECK(read_once(*s, kCatSize, &out) == 58);  // objects 0 and 1; object 2 rolled back
    CHECK(out == fixed_line(0, 0) + fixed_line(1, 1));
    auto r = s->read(nullptr, kCatSize);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == EIO);
    CHECK(s->seq().count() == 0);
}

TEST_CASE("a negative show result wins over an overflow") {
    auto target = synth::counted_target(1);
    target->show = [](const ShowContext &sc) {
        synth::Ctx ctx{&sc.meta, nullptr};
        synth::write_bytes(ctx, 40000);
        return -EAGAIN;
    };
    auto s = synth::open(target, std::make_shared<Program>());
    CHECK(read_once(*s, kCatSize) == -EAGAIN);
}

TEST_CASE("a positive show result skips the object and its number is reused") {
    auto target = synth::counted_target(4);
    auto inner = target->show;
    target->show = [inner](const ShowContext &sc) {
        int ret = inner(sc);
        if (sc.object != nullptr && *static_cast<uint64_t *>(sc.object) % 2 == 0) return 1;
        return ret;
    };
    auto s = synth::open(target, std::make_shared<Program>(print_fixed_lines));
    std::string out;
    CHECK(read_until_end(*s, kCatSize, &out) == Reads{29 + 29 + 23, 0});
    // Objects 0 and 2 were dropped; 1 and 3 got the numbers 0 and 1.
    CHECK(out == fixed_line(1, 0) + fixed_line(3, 1) + fixed_end(1));
}

TEST_CASE("a next that does not advance index is corrected and counted") {
    auto target = synth::counted_target(3);
    target->next = [](IterSession &s, void *, uint64_t &) -> Result<void *> {
        // Walks by its own cursor and forgets to move index.
        auto &st = s.state_as<synth::State>();
        if (++st.current >= st.objects) return nullptr;
        return &st.current;
    };
    auto s = synth::open(target, std::make_shared<Program>(print_fixed_lines));
    std::string out;
    CHECK(read_until_end(*s, kCatSize, &out) == Reads{29 * 3 + 23, 0});
    CHECK(s->buggy_next_count() == 3);
    CHECK(s->index() == 3);
}

TEST_CASE("a target without a final call still ends with done_stop") {
    auto target = synth::counted_target(2);
    target->final_call = false;
    auto prog = std::make_shared<Program>(print_fixed_lines);
    auto s = synth::open(target, prog);
    std::string out;
    CHECK(read_until_end(*s, kCatSize, &out) == Reads{58, 0});
    CHECK(prog->final_calls == 0);
    CHECK(s->done_stop());
}

TEST_CASE("the final call overflowing after other bytes: those bytes, then the retried call") {
    // 2 objects of 20000 bytes read in one go: object 1 overflows, object 1
    // then fits alone, the 20000-byte final call overflows after it.
    auto prog = std::make_shared<Program>(exact({20000, 20000}, 20000));
    auto s = synth::open(synth::counted_target(2), prog);
    std::string out;
    CHECK(read_until_end(*s, kCatSize, &out) == Reads{20000, 20000, 20000, 0});
    CHECK(prog->final_calls == 2);
    CHECK(out == std::string(20000, 'a') + std::string(20000, 'b') + std::string(20000, 'E'));
}

TEST_CASE("a bigger read after a partial one never mixes leftover and new objects") {
    auto s = synth::open(synth::counted_target(3), std::make_shared<Program>(print_fixed_lines));
    std::string out;
    CHECK(read_once(*s, 1, &out) == 1);
    CHECK(read_once(*s, kCatSize, &out) == 28);
    CHECK(read_once(*s, kCatSize, &out) == 29 + 29 + 23);
    CHECK(out == fixed_line(0, 0) + fixed_line(1, 1) + fixed_line(2, 2) + fixed_end(2));
}
