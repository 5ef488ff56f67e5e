#include "test_objects.h"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <iterator>

namespace elftest {

namespace {

std::vector<uint8_t> read_file(const char *path) {
    REQUIRE(path != nullptr);
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in.good());
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string env_name(const std::string &name) {
    std::string env = "PROG_";
    for (char c : name)
        env += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return env;
}

}  // namespace

std::vector<uint8_t> program_bytes(const std::string &name) {
    return read_file(std::getenv(env_name(name).c_str()));
}

bpffs::btf::Btf target_btf() {
    auto raw = read_file(std::getenv("TARGET_BTF"));
    auto btf = bpffs::btf::Btf::parse(raw);
    REQUIRE(btf.has_value());
    return std::move(*btf);
}

bpffs::elf::ObjectSpec load(const std::string &name) {
    auto bytes = program_bytes(name);
    auto spec = bpffs::elf::load_object(bytes, "dir/" + name + ".bpf.o");
    INFO((spec ? std::string() : spec.error().message));
    REQUIRE(spec.has_value());
    return std::move(*spec);
}

std::vector<int> fake_fds(const bpffs::elf::ObjectSpec &spec, int first) {
    std::vector<int> fds;
    for (size_t i = 0; i < spec.maps.size(); i++)
        fds.push_back(first + static_cast<int>(i));
    return fds;
}

const bpffs::elf::ProgramSpec &program(const bpffs::elf::ObjectSpec &spec,
                                       const std::string &name) {
    for (const auto &p : spec.programs)
        if (p.name == name) return p;
    FAIL("no program " << name);
    return spec.programs.front();
}

const bpffs::elf::MapDef &map(const bpffs::elf::ObjectSpec &spec, const std::string &spec_name) {
    for (const auto &m : spec.maps)
        if (m.spec.name == spec_name) return m;
    FAIL("no map " << spec_name);
    return spec.maps.front();
}

bool is_ldimm64(const bpf_insn &insn) {
    return insn.code == (BPF_LD | BPF_IMM | BPF_DW);
}

}  // namespace elftest
