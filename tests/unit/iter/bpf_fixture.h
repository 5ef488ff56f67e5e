// Shared pieces of the tests over clang-compiled iterator programs
// (iter_progs.bpf.c, built by meson; ITER_PROGS_OBJ is its path).
#pragma once

#include <linux/bpf.h>

#include <fcntl.h>
#include <algorithm>
#include <catch2/catch.hpp>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

#include "core/map.h"
#include "iter/builtin_targets.h"
#include "iter/inproc_object.h"
#include "iter/link.h"

namespace itest {

using namespace bpffs;

inline const InprocObject &progs() {
    static InprocObject obj = [] {
        REQUIRE(register_builtin_targets());
        auto loaded = load_inproc_object_file(ITER_PROGS_OBJ);
        if (!loaded) FAIL("loading " << ITER_PROGS_OBJ << ": " << loaded.error().message);
        return std::move(*loaded);
    }();
    return obj;
}

// The object's .data map: struct config cfg.
struct Globals {
    uint32_t obj_bytes, retry_key, retry_armed, ncpus;
};

inline void set_globals(const Globals &g) {
    std::shared_ptr<Map> bss;
    for (const auto &m : progs().maps)
        if (m->name().size() >= 5 && m->name().substr(m->name().size() - 5) == ".data") bss = m;
    REQUIRE(bss);
    std::vector<uint8_t> value(bss->value_size());
    const uint32_t key = 0;
    REQUIRE(bss->lookup(&key, value.data(), 0));
    std::memcpy(value.data(), &g, sizeof g);
    REQUIRE(bss->update(&key, value.data(), BPF_ANY));
}

inline std::shared_ptr<Map> make_map(uint32_t type, uint32_t entries, const char *name = "m",
                                     uint32_t key_size = 4, uint32_t value_size = 8) {
    MapSpec spec;
    spec.map_type = type;
    spec.key_size = key_size;
    spec.value_size = value_size;
    spec.max_entries = entries;
    spec.name = name;
    auto m = Map::create(spec, possible_cpus());
    REQUIRE(m);
    return publish(*m);
}

inline std::shared_ptr<IterLink> make_link(const std::string &prog, IterAux aux = {}) {
    const InprocProgram *p = progs().program(prog);
    REQUIRE(p != nullptr);
    auto program = progs().iter_program(prog);
    REQUIRE(program);
    auto link = IterLink::create(p->target, nullptr, *program, std::move(aux));
    if (!link) FAIL(link.error().message);
    return publish(*link);
}

// Reads a whole session with reads of chunk bytes; the error code if one failed.
struct ReadAll {
    std::string text;
    int error = 0;
};

inline ReadAll read_all(IterSession &s, size_t chunk = 4096) {
    ReadAll r;
    std::string buf(chunk, '\0');
    for (;;) {
        auto n = s.read(buf.data(), chunk);
        if (!n) {
            r.error = n.error().code;
            return r;
        }
        if (*n == 0) return r;
        r.text.append(buf.data(), *n);
    }
}

inline ReadAll read_link(const IterLink &link, size_t chunk = 4096) {
    auto s = link.open_session();
    REQUIRE(s);
    return read_all(**s, chunk);
}

}  // namespace itest
