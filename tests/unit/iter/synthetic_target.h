// A synthetic iterator target for the unit tests: objects 0..n-1 (like an
// array map's indexes), a context struct in the kernel's style
// { struct bpf_iter_meta *meta; const u64 *key; } with key NULL in the
// final call, and programs written as C++ functions that print through the
// seq_file exactly as bpf_seq_printf/bpf_seq_write would.
#pragma once

#include <cerrno>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "iter/program.h"
#include "iter/seq_file.h"
#include "iter/session.h"
#include "iter/target.h"

namespace synth {

using namespace bpffs;

struct Ctx {
    IterMeta *meta;
    const uint64_t *key;  // nullptr in the final call
};

// What the target records per session, for the tests to inspect.
struct State : IterState {
    uint64_t objects = 0;
    uint64_t current = 0;  // storage of the current object
    uint64_t start_calls = 0;
    uint64_t next_calls = 0;
    uint64_t stops_with_object = 0;
    uint64_t stops_without_object = 0;
};

// A program as a C++ function of the context; counts its runs.
class Program : public IterProgram {
  public:
    using Body = std::function<uint64_t(const Ctx &)>;
    explicit Program(Body body = {}, bool sleepable = false)
        : body_(std::move(body)), sleepable_(sleepable) {}

    uint64_t run(const void *ctx) override {
        const Ctx &c = *static_cast<const Ctx *>(ctx);
        ++calls;
        if (c.key == nullptr) ++final_calls;
        return body_ ? body_(c) : 0;
    }
    bool sleepable() const override { return sleepable_; }

    uint64_t calls = 0;
    uint64_t final_calls = 0;

  private:
    Body body_;
    bool sleepable_;
};

// Writes n bytes of filler the way bpf_seq_write would.
inline int write_bytes(const Ctx &c, size_t n, char fill = 'x') {
    std::string bytes(n, fill);
    return c.meta->seq->write(bytes.data(), bytes.size());
}

inline std::shared_ptr<IterTarget> counted_target(uint64_t objects) {
    auto t = std::make_shared<IterTarget>();
    t->name = "synthetic";
    t->ctx.struct_name = "bpf_iter__synthetic";
    t->ctx.fields = {{"key", "u64 *", CtxFieldKind::rdonly_buf, 8, true}};
    t->init = [objects](const IterAux &) -> Result<std::unique_ptr<IterState>> {
        auto state = std::make_unique<State>();
        state->objects = objects;
        return state;
    };
    t->start = [](IterSession &s, uint64_t &index) -> Result<void *> {
        auto &st = s.state_as<State>();
        ++st.start_calls;
        if (index >= st.objects) return nullptr;
        st.current = index;
        return &st.current;
    };
    t->next = [](IterSession &s, void *, uint64_t &index) -> Result<void *> {
        auto &st = s.state_as<State>();
        ++st.next_calls;
        ++index;
        if (index >= st.objects) return nullptr;
        st.current = index;
        return &st.current;
    };
    t->show = [](const ShowContext &sc) {
        Ctx ctx{&sc.meta, static_cast<const uint64_t *>(sc.object)};
        return sc.run_program(&ctx);
    };
    t->stop = [](IterSession &s, void *object) {
        auto &st = s.state_as<State>();
        if (object != nullptr)
            ++st.stops_with_object;
        else
            ++st.stops_without_object;
    };
    return t;
}

inline std::unique_ptr<IterSession> open(std::shared_ptr<IterTarget> target,
                                         std::shared_ptr<Program> program) {
    auto session = IterSession::open(std::move(target), IterAux{}, std::move(program));
    if (!session) return nullptr;
    return std::move(*session);
}

// One read: the byte count, or minus the errno. Bytes are appended to out.
inline long read_once(IterSession &s, size_t size, std::string *out = nullptr) {
    std::vector<char> buf(size + 1);
    auto r = s.read(buf.data(), size);
    if (!r) return -r.error().code;
    if (out != nullptr) out->append(buf.data(), *r);
    return static_cast<long>(*r);
}

// Reads with the given size until a read returns 0 or an error (or
// max_reads reads): every result in order.
inline std::vector<long> read_until_end(IterSession &s, size_t size, std::string *out = nullptr,
                                        size_t max_reads = 100000) {
    std::vector<long> results;
    while (results.size() < max_reads) {
        long r = read_once(s, size, out);
        results.push_back(r);
        if (r <= 0) break;
    }
    return results;
}

}  // namespace synth
