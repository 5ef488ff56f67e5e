// Sessions: ids, per-session state, program reference, concurrent reads.
#include <atomic>
#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdio>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/unit/iter/synthetic_target.h"

using namespace bpffs;
using synth::Ctx;
using synth::Program;

TEST_CASE("1.9: every open takes the next global session id; a failed open takes none") {
    auto target = synth::counted_target(1);
    auto prog = std::make_shared<Program>();
    auto a = synth::open(target, prog);
    auto b = synth::open(target, prog);
    REQUIRE(a);
    REQUIRE(b);
    CHECK(a->session_id() >= 1);
    CHECK(b->session_id() == a->session_id() + 1);

    auto failing = synth::counted_target(1);
    failing->init = [](const IterAux &) -> Result<std::unique_ptr<IterState>> {
        return fail(ENOMEM, "no room for the walk state");
    };
    auto bad = IterSession::open(failing, IterAux{}, prog);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == ENOMEM);
    auto c = synth::open(target, prog);
    CHECK(c->session_id() == b->session_id() + 1);
}

TEST_CASE("the program sees its session's id in meta, and each session starts at seq_num 0") {
    std::vector<std::pair<uint64_t, uint64_t>> seen;  // (session_id, seq_num)
    auto prog = std::make_shared<Program>([&seen](const Ctx &c) -> uint64_t {
        seen.emplace_back(c.meta->session_id, c.meta->seq_num);
        return 0;
    });
    auto target = synth::counted_target(2);
    auto a = synth::open(target, prog);
    auto b = synth::open(target, prog);
    synth::read_until_end(*a, 4096);
    synth::read_until_end(*b, 4096);
    uint64_t ia = a->session_id(), ib = b->session_id();
    using P = std::pair<uint64_t, uint64_t>;
    CHECK(seen == std::vector<P>{P{ia, 0}, P{ia, 1}, P{ia, 1}, P{ib, 0}, P{ib, 1}, P{ib, 1}});
}

TEST_CASE("meta.seq is the session's own seq_file") {
    SeqFile *seen = nullptr;
    auto prog = std::make_shared<Program>([&seen](const Ctx &c) -> uint64_t {
        seen = c.meta->seq;
        return 0;
    });
    auto s = synth::open(synth::counted_target(1), prog);
    synth::read_once(*s, 10);
    CHECK(seen == &s->seq());
}

TEST_CASE("opening needs a complete target and a program") {
    auto prog = std::make_shared<Program>();
    auto no_show = synth::counted_target(1);
    no_show->show = nullptr;
    auto r = IterSession::open(no_show, IterAux{}, prog);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == EINVAL);
    auto r2 = IterSession::open(synth::counted_target(1), IterAux{}, nullptr);
    REQUIRE_FALSE(r2);
    CHECK(r2.error().code == EINVAL);
    auto r3 = IterSession::open(nullptr, IterAux{}, prog);
    REQUIRE_FALSE(r3);
    CHECK(r3.error().code == EINVAL);
}

TEST_CASE("the session keeps its program alive after every other holder let go") {
    auto prog = std::make_shared<Program>([](const Ctx &c) -> uint64_t {
        if (c.key != nullptr) c.meta->seq->printf("%llu\n", (unsigned long long)*c.key);
        return 0;
    });
    std::weak_ptr<Program> weak = prog;
    auto s = synth::open(synth::counted_target(3), prog);
    prog.reset();
    REQUIRE_FALSE(weak.expired());
    std::string out;
    synth::read_until_end(*s, 4096, &out);
    CHECK(out == "0\n1\n2\n");
    s.reset();
    CHECK(weak.expired());
}

TEST_CASE("concurrent reads of one session are serialised and return the stream exactly once") {
    constexpr uint64_t kObjects = 20000;
    constexpr size_t kLine = 8;  // "%07llu\n"
    std::atomic<int> inside{0};
    std::atomic<bool> overlapped{false};
    auto prog = std::make_shared<Program>([&](const Ctx &c) -> uint64_t {
        if (inside.fetch_add(1) != 0) overlapped = true;
        if (c.key != nullptr) c.meta->seq->printf("%07llu\n", (unsigned long long)*c.key);
        inside.fetch_sub(1);
        return 0;
    });
    auto s = synth::open(synth::counted_target(kObjects), prog);

    // Each read asks for one line, so every read returns one whole line
    // and the lines of both threads can be checked.
    auto reader = [&s](std::vector<std::string> *lines) {
        char buf[kLine];
        for (;;) {
            auto r = s->read(buf, kLine);
            if (!r || *r == 0) break;
            lines->emplace_back(buf, *r);
        }
    };
    std::vector<std::string> a, b;
    std::thread ta(reader, &a), tb(reader, &b);
    ta.join();
    tb.join();

    CHECK_FALSE(overlapped.load());
    CHECK(a.size() + b.size() == kObjects);
    std::set<std::string> all;
    for (const auto *lines : {&a, &b}) {
        for (size_t i = 0; i < lines->size(); ++i) {
            CHECK((*lines)[i].size() == kLine);
            // Each thread sees the stream in order.
            if (i > 0) CHECK((*lines)[i - 1] < (*lines)[i]);
            all.insert((*lines)[i]);
        }
    }
    CHECK(all.size() == kObjects);
    char first[16], last[16];
    std::snprintf(first, sizeof first, "%07llu\n", 0ull);
    std::snprintf(last, sizeof last, "%07llu\n", (unsigned long long)kObjects - 1);
    CHECK(*all.begin() == first);
    CHECK(*all.rbegin() == last);
    CHECK(s->position() == kObjects * kLine);
}
