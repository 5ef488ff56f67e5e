// Loading a clang-compiled BPF object inside the daemon, without a client:
// what the preloaded iterators (maps.debug, progs.debug) and the iterator
// tests need. The same steps a client does over the socket, in process:
// parse with core/elf, create and publish the object's maps (global data
// written and frozen as libbpf does), apply CO-RE against the daemon's
// BTF, relocate, and load each program as a published Prog (tracing,
// BPF_TRACE_ITER) with the iterator helpers.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/map.h"
#include "core/prog.h"
#include "core/result.h"
#include "core/vm/program.h"
#include "iter/bpf_iter_prog.h"

namespace bpffs {

struct InprocProgram {
    std::string name;    // the function's name
    std::string target;  // the iterator target of SEC("iter/<target>")
    bool sleepable = false;
    std::shared_ptr<Prog> prog;                  // published, holds its maps
    std::shared_ptr<const vm::Program> program;  // prog's program, sharing its lifetime
};

struct InprocObject {
    std::vector<std::shared_ptr<Map>> maps;  // published, in the object's order
    std::vector<InprocProgram> programs;

    // The map / program of that name; nullptr when there is none.
    std::shared_ptr<Map> map(std::string_view name) const;
    const InprocProgram *program(std::string_view name) const;
    // An iterator program ready for IterLink::create (ENOENT: no such program).
    Result<std::shared_ptr<BpfIterProgram>> iter_program(std::string_view name) const;
};

// Every program is verified (privileged rules). checked: also run it
// bounds-checked (defence in depth).
Result<InprocObject> load_inproc_object(std::span<const uint8_t> bytes, std::string_view name,
                                        bool checked = true);
Result<InprocObject> load_inproc_object_file(const std::string &path, bool checked = true);

}  // namespace bpffs
