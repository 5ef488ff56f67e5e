#include <catch2/catch.hpp>

#include <cstring>
#include <map>
#include <set>
#include <tuple>

#include "core/elf/core_relo.h"
#include "core/elf/loader.h"
#include "test_objects.h"

using namespace bpffs;
using namespace bpffs::elf;

namespace {

struct Patched {
    bpf_insn before{};
    bpf_insn after{};
    bpf_insn after_hi{};  // second half of an ldimm64
};

// (program, kind, type name, access) -> the instructions before and after
// relocation, for every CO-RE relocation in the entry part of the programs.
using Key = std::tuple<std::string, uint32_t, std::string, std::string>;
using Relocated = std::multimap<Key, Patched>;

Relocated relocated(ObjectSpec &spec, const btf::Btf &target) {
    auto st = relocate(spec, elftest::fake_fds(spec), &target);
    INFO((st ? std::string() : st.error().message));
    REQUIRE(st.has_value());
    const btf::Btf &local = *spec.parsed->btf;
    Relocated out;
    for (const ProgramSpec &prog : spec.programs) {
        const Section *sec = spec.parsed->file.section(prog.section_index);
        const auto *orig = reinterpret_cast<const bpf_insn *>(sec->data.data());
        for (const CoreRelo &r : spec.parsed->ext.core_relos.at(sec->name)) {
            size_t idx = r.insn_off / 8;
            if (idx < prog.insn_offset || idx >= prog.insn_offset + prog.insn_count) continue;
            size_t at = idx - prog.insn_offset;
            Key key{prog.name, r.kind, std::string(local.type(r.type_id).name), r.access};
            out.emplace(key, Patched{orig[idx], prog.insns[at],
                                     at + 1 < prog.insns.size() ? prog.insns[at + 1] : bpf_insn{}});
        }
    }
    return out;
}

bool poisoned(const bpf_insn &i) {
    return i.code == (BPF_JMP | BPF_CALL) && i.src_reg == 0 && i.imm == kCorePoisonHelper;
}

// The relocatable value of an instruction: ALU immediate, memory offset or
// ldimm64 value; -1 for a poisoned instruction.
int64_t value_of(const bpf_insn &lo, const bpf_insn &hi) {
    if (poisoned(lo)) return -1;
    switch (BPF_CLASS(lo.code)) {
        case BPF_LDX:
        case BPF_ST:
        case BPF_STX:
            return lo.off;
        case BPF_LD:
            return static_cast<int64_t>(static_cast<uint32_t>(lo.imm) |
                                        (uint64_t{static_cast<uint32_t>(hi.imm)} << 32));
        default:
            return lo.imm;
    }
}

// Every relocated value for one key.
std::set<int64_t> values(const Relocated &m, const std::string &prog, uint32_t kind,
                         const std::string &type, const std::string &access) {
    std::set<int64_t> out;
    auto [b, e] = m.equal_range(Key{prog, kind, type, access});
    for (auto it = b; it != e; ++it)
        out.insert(value_of(it->second.after, it->second.after_hi));
    return out;
}

const Patched &first(const Relocated &m, const std::string &prog, uint32_t kind,
                     const std::string &type, const std::string &access) {
    auto it = m.find(Key{prog, kind, type, access});
    INFO(prog << " kind " << kind << " " << type << " " << access);
    REQUIRE(it != m.end());
    return it->second;
}

using S = std::set<int64_t>;

}  // namespace

TEST_CASE("the values computed from the object's BTF are those clang emitted") {
    // libbpf's validation: patching every relocated instruction with the
    // local value must pass the "instruction holds the expected value"
    // check and leave the instruction as clang wrote it.
    auto spec = elftest::load("core_reads");
    auto target = elftest::target_btf();
    const btf::Btf &local = *spec.parsed->btf;
    size_t checked = 0;
    for (const auto &[section, relos] : spec.parsed->ext.core_relos) {
        const auto &data = spec.parsed->file.find_section(section)->data;
        std::vector<bpf_insn> insns(data.size() / 8);
        std::memcpy(insns.data(), data.data(), data.size());
        for (const CoreRelo &r : relos) {
            INFO(section << " kind " << r.kind << " access " << r.access);
            auto res = calc_core_relo(local, target, r);
            REQUIRE(res.has_value());
            CoreResult identity = *res;
            identity.new_val = identity.orig_val;
            identity.new_size = identity.orig_size;
            identity.poison = identity.fail_size_adjust = false;
            identity.validate = true;
            if (r.kind == BPF_CORE_TYPE_ID_TARGET || r.kind == BPF_CORE_TYPE_ID_LOCAL) continue;
            if (!res->validate) continue;  // bitfield offsets: clang's choice may differ
            std::vector<bpf_insn> copy = insns;
            REQUIRE(patch_core_insn(copy, r.insn_off / 8, identity, r).has_value());
            CHECK(std::memcmp(copy.data(), insns.data(), data.size()) == 0);
            checked++;
        }
    }
    CHECK(checked > 20);
}

TEST_CASE("field offsets, sizes and load widths follow the target layout") {
    auto spec = elftest::load("core_reads");
    auto m = relocated(spec, elftest::target_btf());

    // struct bpf_map: max_entries 12 -> 56, name 20 -> 8 (16 -> 32 bytes), id 16 -> 40.
    CHECK(first(m, "read_map", BPF_CORE_FIELD_BYTE_OFFSET, "bpf_map", "0:3").before.imm == 12);
    CHECK(values(m, "read_map", BPF_CORE_FIELD_BYTE_OFFSET, "bpf_map", "0:3") == S{56});
    CHECK(values(m, "read_map", BPF_CORE_FIELD_BYTE_OFFSET, "bpf_map", "0:5") == S{8});
    CHECK(values(m, "read_map", BPF_CORE_FIELD_BYTE_SIZE, "bpf_map", "0:5") == S{32});
    CHECK(values(m, "read_map", BPF_CORE_FIELD_BYTE_OFFSET, "bpf_map", "0:4") == S{40});

    // The second program of the section: direct loads.
    CHECK(values(m, "read_map_type", BPF_CORE_FIELD_BYTE_OFFSET, "bpf_map", "0:0") == S{64});
    CHECK(values(m, "read_map_type", BPF_CORE_FIELD_BYTE_OFFSET, "bpf_map", "0:1") == S{48});
    // A u32 load of a field that is u64 in the target widens to DW.
    const Patched &max_entries =
        first(m, "read_map_type", BPF_CORE_FIELD_BYTE_OFFSET, "bpf_map", "0:3");
    CHECK(BPF_CLASS(max_entries.after.code) == BPF_LDX);
    CHECK(BPF_SIZE(max_entries.before.code) == BPF_W);
    CHECK(BPF_SIZE(max_entries.after.code) == BPF_DW);
    CHECK(max_entries.after.off == 56);

    // Context structs: meta->seq moves from 0 to 8, ctx->map stays at 8.
    CHECK(values(m, "read_map", BPF_CORE_FIELD_BYTE_OFFSET, "bpf_iter_meta", "0:0") == S{8});
    CHECK(values(m, "read_map", BPF_CORE_FIELD_BYTE_OFFSET, "bpf_iter__bpf_map", "0:1") == S{8});

    // Nested: prog->aux (16) then aux->name (16); prog->len (8).
    CHECK(values(m, "read_prog", BPF_CORE_FIELD_BYTE_OFFSET, "bpf_prog", "0:7") == S{16});
    CHECK(values(m, "read_prog", BPF_CORE_FIELD_BYTE_OFFSET, "bpf_prog_aux", "0:1") == S{16});
    CHECK(values(m, "read_prog", BPF_CORE_FIELD_BYTE_OFFSET, "bpf_prog", "0:6") == S{8});
}

TEST_CASE("bitfields get the target's load, shifts and signedness") {
    auto spec = elftest::load("core_reads");
    auto m = relocated(spec, elftest::target_btf());
    const std::string p = "read_prog";
    // gpl_compatible: bit 98, read as the u32 unit at byte 12.
    CHECK(values(m, p, BPF_CORE_FIELD_BYTE_OFFSET, "bpf_prog", "0:3") == S{12});
    CHECK(values(m, p, BPF_CORE_FIELD_BYTE_SIZE, "bpf_prog", "0:3") == S{4});
    CHECK(values(m, p, BPF_CORE_FIELD_LSHIFT_U64, "bpf_prog", "0:3") == S{61});
    CHECK(values(m, p, BPF_CORE_FIELD_RSHIFT_U64, "bpf_prog", "0:3") == S{63});
    // small_signed: s16 : 5 packed at bit 100, read as the s16 at byte 12.
    CHECK(values(m, p, BPF_CORE_FIELD_BYTE_OFFSET, "bpf_prog", "0:5") == S{12});
    CHECK(values(m, p, BPF_CORE_FIELD_BYTE_SIZE, "bpf_prog", "0:5") == S{2});
    CHECK(values(m, p, BPF_CORE_FIELD_LSHIFT_U64, "bpf_prog", "0:5") == S{55});
    CHECK(values(m, p, BPF_CORE_FIELD_RSHIFT_U64, "bpf_prog", "0:5") == S{59});
    CHECK(values(m, p, BPF_CORE_FIELD_SIGNED, "bpf_prog", "0:5") == S{1});
}

TEST_CASE("type, enum and existence relocations") {
    auto spec = elftest::load("core_reads");
    auto target = elftest::target_btf();
    auto m = relocated(spec, target);
    const std::string p = "read_map";
    CHECK(values(m, p, BPF_CORE_TYPE_EXISTS, "not_in_target", "0") == S{0});
    CHECK(values(m, p, BPF_CORE_TYPE_SIZE, "bpf_map", "0") == S{72});
    CHECK(values(m, p, BPF_CORE_FIELD_EXISTS, "bpf_map___old", "0:1") == S{0});
    CHECK(values(m, p, BPF_CORE_ENUMVAL_EXISTS, "bpf_map_type___local", "1") == S{1});
    CHECK(values(m, p, BPF_CORE_ENUMVAL_VALUE, "bpf_map_type___local", "2") == S{7});
    int64_t local_id = *spec.parsed->btf->find("bpf_map", BTF_KIND_STRUCT);
    int64_t target_id = *target.find("bpf_map", BTF_KIND_STRUCT);
    CHECK(local_id != target_id);
    CHECK(values(m, p, BPF_CORE_TYPE_ID_LOCAL, "bpf_map", "0") == S{local_id});
    CHECK(values(m, p, BPF_CORE_TYPE_ID_TARGET, "bpf_map", "0") == S{target_id});
}

TEST_CASE("an unresolvable field read is poisoned as libbpf does") {
    auto spec = elftest::load("core_reads");
    auto m = relocated(spec, elftest::target_btf());
    const Patched &p = first(m, "read_map", BPF_CORE_FIELD_BYTE_OFFSET, "bpf_map___old", "0:1");
    CHECK(p.before.code == (BPF_ALU64 | BPF_MOV | BPF_K));
    CHECK(poisoned(p.after));
}

TEST_CASE("flavour suffixes are dropped from names") {
    CHECK(core_essential_name("bpf_map___old") == "bpf_map");
    CHECK(core_essential_name("task_struct___x___y") == "task_struct___x");
    CHECK(core_essential_name("a____b") == "a____b");
    CHECK(core_essential_name("plain") == "plain");
    CHECK(core_essential_name("___x") == "___x");
}

TEST_CASE("poisoned ldimm64 covers both halves; malformed relocations are errors") {
    std::vector<bpf_insn> insns(2);
    insns[0].code = BPF_LD | BPF_IMM | BPF_DW;
    CoreResult res;
    res.poison = true;
    CoreRelo relo{0, 1, "0", BPF_CORE_ENUMVAL_VALUE};
    REQUIRE(patch_core_insn(insns, 0, res, relo).has_value());
    CHECK(poisoned(insns[0]));
    CHECK(poisoned(insns[1]));

    auto spec = elftest::load("core_reads");
    auto target = elftest::target_btf();
    const btf::Btf &local = *spec.parsed->btf;
    uint32_t map_id = *local.find("bpf_map", BTF_KIND_STRUCT);
    for (const char *bad : {"", "x", "0:", ":1", "0:99", "0::1", "0:5:99"}) {
        INFO(bad);
        auto r =
            calc_core_relo(local, target, CoreRelo{0, map_id, bad, BPF_CORE_FIELD_BYTE_OFFSET});
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == EINVAL);
    }
    CHECK_FALSE(calc_core_relo(local, target, CoreRelo{0, map_id, "0", 99}).has_value());
    CHECK_FALSE(
        calc_core_relo(local, target, CoreRelo{0, 999999, "0", BPF_CORE_TYPE_SIZE}).has_value());
    CHECK_FALSE(
        calc_core_relo(local, target, CoreRelo{0, map_id, "1", BPF_CORE_TYPE_SIZE}).has_value());
    // An array element access: name[3] is at 8 + 3 in the target.
    auto elem =
        calc_core_relo(local, target, CoreRelo{0, map_id, "0:5:3", BPF_CORE_FIELD_BYTE_OFFSET});
    REQUIRE(elem.has_value());
    CHECK(elem->orig_val == 23);
    CHECK(elem->new_val == 11);
}
