#include <gelf.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include "core/elf/loader.h"
#include "test_objects.h"

using namespace bpffs;
using namespace bpffs::elf;
using elftest::is_ldimm64;

namespace {

bool is_pseudo_call(const bpf_insn &i) {
    return i.code == (BPF_JMP | BPF_CALL) && i.src_reg == BPF_PSEUDO_CALL;
}

// The .text functions of an object by first instruction, from its symbols.
std::map<size_t, std::string> text_functions(const ObjectSpec &spec) {
    const ObjectFile &obj = spec.parsed->file;
    const Section *text = obj.find_section(".text");
    std::map<size_t, std::string> out;
    for (const Symbol &s : obj.symbols())
        if (text && s.shndx == text->index && s.type == STT_FUNC) out[s.value / 8] = s.name;
    return out;
}

}  // namespace

TEST_CASE("map and global data references get fds and offsets") {
    auto spec = elftest::load("globals");
    auto target = elftest::target_btf();
    auto fds = elftest::fake_fds(spec);
    REQUIRE(relocate(spec, fds, &target).has_value());
    const ProgramSpec &prog = elftest::program(spec, "dump_maps");
    CHECK(prog.insns.size() == prog.insn_count);  // no sub-programs

    std::map<int, std::set<int32_t>> value_offsets;  // fd -> offsets
    std::set<int> map_fds;
    for (size_t i = 0; i < prog.insns.size(); i++) {
        const bpf_insn &insn = prog.insns[i];
        if (!is_ldimm64(insn)) continue;
        if (insn.src_reg == BPF_PSEUDO_MAP_VALUE)
            value_offsets[insn.imm].insert(prog.insns[i + 1].imm);
        if (insn.src_reg == BPF_PSEUDO_MAP_FD) map_fds.insert(insn.imm);
        i++;
    }
    auto fd_of = [&](const std::string &name) {
        for (size_t m = 0; m < spec.maps.size(); m++)
            if (spec.maps[m].spec.name == name) return fds[m];
        return -1;
    };
    CHECK(map_fds == std::set<int>{fd_of("legacy_counts")});
    CHECK(value_offsets[fd_of("globals.rodata")] ==
          std::set<int32_t>{0, 4, 12, 32});  // limit, banner, 2 formats
    CHECK(value_offsets[fd_of("globals.data")] == std::set<int32_t>{0});
    CHECK(value_offsets[fd_of("globals.bss")] == std::set<int32_t>{0});
    CHECK(value_offsets[fd_of(".data.foo")] == std::set<int32_t>{0});
    CHECK(value_offsets[fd_of(".rodata.str1.1")] == std::set<int32_t>{0});
    CHECK(prog.map_indexes.size() == 6);
    REQUIRE_FALSE(prog.func_info.empty());
    CHECK(prog.func_info[0].insn_off == 0);
    CHECK_FALSE(prog.line_info.empty());
}

TEST_CASE("each entry program is flattened with the closure of its callees") {
    auto spec = elftest::load("maps_calls");
    auto target = elftest::target_btf();
    REQUIRE(relocate(spec, elftest::fake_fds(spec), &target).has_value());
    auto functions = text_functions(spec);
    REQUIRE(functions.size() == 4);  // add_step, count_elem, twice, record_total
    const auto &text = spec.parsed->file.find_section(".text")->data;

    auto check_program = [&](const ProgramSpec &prog, std::set<std::string> expected_callees) {
        // Where each appended function starts: the target of every call.
        std::set<std::string> reached;
        std::set<size_t> starts;
        for (size_t i = 0; i < prog.insns.size(); i++) {
            const bpf_insn &insn = prog.insns[i];
            bool func_addr = is_ldimm64(insn) && insn.src_reg == BPF_PSEUDO_FUNC;
            if (!is_pseudo_call(insn) && !func_addr) continue;
            int64_t target_insn = static_cast<int64_t>(i) + insn.imm + 1;
            REQUIRE(target_insn > static_cast<int64_t>(prog.insn_count - 1));
            REQUIRE(target_insn < static_cast<int64_t>(prog.insns.size()));
            starts.insert(static_cast<size_t>(target_insn));
            if (func_addr) i++;
        }
        // Each target holds a copy of one .text function's first instruction.
        for (size_t start : starts) {
            bool matched = false;
            for (const auto &[text_insn, name] : functions) {
                const auto *orig = reinterpret_cast<const bpf_insn *>(text.data()) + text_insn;
                const bpf_insn &copy = prog.insns[start];
                if (orig->code == copy.code && orig->dst_reg == copy.dst_reg &&
                    orig->src_reg == copy.src_reg && orig->off == copy.off) {
                    reached.insert(name);
                    matched = true;
                    break;
                }
            }
            CHECK(matched);
        }
        CHECK(starts.size() == expected_callees.size());
        // Program size: the entry plus each callee once.
        size_t size = prog.insn_count;
        const ObjectFile &obj = spec.parsed->file;
        for (const Symbol &s : obj.symbols())
            if (expected_callees.count(s.name) && s.type == STT_FUNC) size += s.size / 8;
        CHECK(prog.insns.size() == size);
        CHECK(prog.func_info.size() == expected_callees.size() + 1);
        for (size_t k = 1; k < prog.func_info.size(); k++)
            CHECK(prog.func_info[k].insn_off > prog.func_info[k - 1].insn_off);
        for (const bpf_func_info &fi : prog.func_info)
            CHECK(starts.count(fi.insn_off) + (fi.insn_off == 0) == 1);
    };
    check_program(elftest::program(spec, "sum_flows"),
                  {"add_step", "count_elem", "twice", "record_total"});
    check_program(elftest::program(spec, "count_flows_with_a_long_name"),
                  {"record_total", "twice"});

    // Callbacks are marked BPF_PSEUDO_FUNC (clang 14 leaves src_reg 0).
    const ProgramSpec &sum = elftest::program(spec, "sum_flows");
    CHECK(std::count_if(sum.insns.begin(), sum.insns.end(), [](const bpf_insn &i) {
              return is_ldimm64(i) && i.src_reg == BPF_PSEUDO_FUNC;
          }) == 2);
    CHECK(sum.map_indexes.size() == 3);  // flows, totals (in record_total), .rodata
    CHECK(elftest::program(spec, "count_flows_with_a_long_name").map_indexes.size() == 1);
}

TEST_CASE("relocation needs one fd per map and fds for the maps used") {
    auto spec = elftest::load("globals");
    auto target = elftest::target_btf();
    auto short_fds = relocate(spec, {1, 2}, &target);
    REQUIRE_FALSE(short_fds.has_value());
    CHECK(short_fds.error().code == EINVAL);

    auto fds = elftest::fake_fds(spec);
    fds[0] = -1;
    auto missing = relocate(spec, fds, &target);
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().message.find("was given no file descriptor") != std::string::npos);

    auto no_target = relocate(spec, elftest::fake_fds(spec), nullptr);
    REQUIRE_FALSE(no_target.has_value());
    CHECK(no_target.error().message.find("no target BTF") != std::string::npos);

    // Relocating twice gives the same program.
    REQUIRE(relocate(spec, elftest::fake_fds(spec), &target).has_value());
    auto first = spec.programs[0].insns;
    REQUIRE(relocate(spec, elftest::fake_fds(spec), &target).has_value());
    CHECK(std::equal(
        first.begin(), first.end(), spec.programs[0].insns.begin(), spec.programs[0].insns.end(),
        [](const bpf_insn &a, const bpf_insn &b) { return std::memcmp(&a, &b, sizeof(a)) == 0; }));
}
