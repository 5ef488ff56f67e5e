// Access to the clang-compiled test programs of tests/progs (paths come
// from the environment set by meson) and small helpers over them.
#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/btf/btf.h"
#include "core/elf/loader.h"

namespace elftest {

// The bytes of tests/progs/<name>.bpf.o.
std::vector<uint8_t> program_bytes(const std::string &name);
// The daemon-standin BTF (target_layout.bpf.c's .BTF).
bpffs::btf::Btf target_btf();
// load_object() of a test program, which must succeed.
bpffs::elf::ObjectSpec load(const std::string &name);
// One fd per map, starting at first.
std::vector<int> fake_fds(const bpffs::elf::ObjectSpec &spec, int first = 100);
const bpffs::elf::ProgramSpec &program(const bpffs::elf::ObjectSpec &spec, const std::string &name);
const bpffs::elf::MapDef &map(const bpffs::elf::ObjectSpec &spec, const std::string &spec_name);
bool is_ldimm64(const bpf_insn &insn);

}  // namespace elftest
