#include <catch2/catch.hpp>

#include <cstring>

#include "core/elf/loader.h"
#include "test_objects.h"

using namespace bpffs;
using namespace bpffs::elf;
using elftest::load;

TEST_CASE("iterator sections give tracing programs with their target") {
    auto spec = load("maps_calls");
    CHECK(spec.name == "maps_calls");
    CHECK(spec.license == "Dual BSD/GPL");
    REQUIRE(spec.programs.size() == 2);

    const ProgramSpec &sum = elftest::program(spec, "sum_flows");
    CHECK(sum.section_name == "iter/bpf_map_elem");
    CHECK(sum.kind.prog_type == BPF_PROG_TYPE_TRACING);
    CHECK(sum.kind.expected_attach_type == BPF_TRACE_ITER);
    CHECK(sum.kind.attach_target == "bpf_map_elem");
    CHECK_FALSE(sum.kind.sleepable);
    CHECK(sum.kernel_name == "sum_flows");

    const ProgramSpec &longer = elftest::program(spec, "count_flows_with_a_long_name");
    CHECK(longer.kind.sleepable);
    CHECK(longer.kind.attach_target == "bpf_map_elem");
    CHECK(longer.kernel_name == "count_flows_wit");  // BPF_OBJ_NAME_LEN - 1
}

TEST_CASE("several programs share one section, ordered by address") {
    auto spec = load("core_reads");
    REQUIRE(spec.programs.size() == 3);
    CHECK(spec.programs[0].name == "read_map");
    CHECK(spec.programs[1].name == "read_map_type");
    CHECK(spec.programs[0].section_index == spec.programs[1].section_index);
    CHECK(spec.programs[1].insn_offset == spec.programs[0].insn_count);
    CHECK(spec.programs[2].kind.attach_target == "bpf_prog");
}

TEST_CASE("section names outside iterators are refused with a reason") {
    auto kprobe = load_object(elftest::program_bytes("unsupported"), "unsupported.bpf.o");
    REQUIRE_FALSE(kprobe.has_value());
    CHECK(kprobe.error().code == EOPNOTSUPP);
    CHECK(kprobe.error().message ==
          "program type kprobe (section 'kprobe/do_sys_openat2') is not supported by bpffsd yet");

    auto unknown = classify_section("my_code");
    REQUIRE_FALSE(unknown.has_value());
    CHECK(unknown.error().code == EINVAL);
    CHECK(unknown.error().message.find("'my_code'") != std::string::npos);

    CHECK(classify_section("xdp").error().code == EOPNOTSUPP);
    CHECK(classify_section("cgroup/skb").error().message.find("cgroup") != std::string::npos);
    CHECK(classify_section("iter/").error().code == EINVAL);
    CHECK(classify_section("iter").error().code == EINVAL);
    auto task = classify_section("iter.s/task_file");
    REQUIRE(task.has_value());
    CHECK(task->sleepable);
    CHECK(task->attach_target == "task_file");
}

TEST_CASE("BTF-defined maps carry their attributes and BTF types") {
    auto spec = load("maps_calls");
    const btf::Btf &btf = *spec.parsed->btf;

    const MapDef &flows = elftest::map(spec, "flows");
    CHECK(flows.origin == MapOrigin::btf_defined);
    CHECK(flows.spec.map_type == BPF_MAP_TYPE_HASH);
    CHECK(flows.spec.key_size == 4);
    CHECK(flows.spec.value_size == 16);
    CHECK(flows.spec.max_entries == 128);
    CHECK(flows.spec.map_flags == BPF_F_NO_PREALLOC);
    CHECK(flows.pinning == kPinNone);
    REQUIRE(flows.spec.btf_key_type_id != 0);
    CHECK(btf.type(flows.spec.btf_key_type_id).name == "__u32");
    CHECK(btf.type(flows.spec.btf_value_type_id).name == "value");

    const MapDef &totals = elftest::map(spec, "totals");
    CHECK(totals.spec.map_type == BPF_MAP_TYPE_ARRAY);
    CHECK(totals.spec.key_size == 4);
    CHECK(totals.spec.value_size == 8);
    CHECK(totals.spec.max_entries == 2);
    CHECK(totals.pinning == kPinByName);
    CHECK(totals.spec.btf_key_type_id == 0);  // sizes only, no types
    CHECK(totals.section_offset != flows.section_offset);
}

TEST_CASE("legacy maps and every kind of global data become maps") {
    auto spec = load("globals");
    CHECK(spec.license == "GPL");

    const MapDef &legacy = elftest::map(spec, "legacy_counts");
    CHECK(legacy.origin == MapOrigin::legacy);
    CHECK(legacy.spec.map_type == BPF_MAP_TYPE_ARRAY);
    CHECK(legacy.spec.key_size == 4);
    CHECK(legacy.spec.value_size == 8);
    CHECK(legacy.spec.max_entries == 4);

    // Names, flags and freezing as libbpf 1.1 gives them on the kernel.
    const MapDef &data = elftest::map(spec, "globals.data");
    CHECK(data.origin == MapOrigin::global_data);
    CHECK(data.spec.map_type == BPF_MAP_TYPE_ARRAY);
    CHECK(data.spec.max_entries == 1);
    CHECK(data.spec.map_flags == BPF_F_MMAPABLE);
    CHECK_FALSE(data.freeze);
    uint64_t visits = 0;
    REQUIRE(data.initial_value.size() == 8);
    std::memcpy(&visits, data.initial_value.data(), 8);
    CHECK(visits == 1);
    REQUIRE(data.spec.btf_value_type_id != 0);
    CHECK(spec.parsed->btf->type(data.spec.btf_value_type_id).kind == BTF_KIND_DATASEC);

    const MapDef &rodata = elftest::map(spec, "globals.rodata");
    CHECK(rodata.spec.map_flags == (BPF_F_MMAPABLE | BPF_F_RDONLY_PROG));
    CHECK(rodata.freeze);
    uint32_t limit = 0;
    std::memcpy(&limit, rodata.initial_value.data(), 4);
    CHECK(limit == 100);
    CHECK(std::string(reinterpret_cast<const char *>(rodata.initial_value.data()) + 4) == "maps:");

    const MapDef &bss = elftest::map(spec, "globals.bss");
    CHECK(bss.spec.value_size == 8);
    CHECK(bss.initial_value == std::vector<uint8_t>(8, 0));
    CHECK_FALSE(bss.freeze);

    const MapDef &foo = elftest::map(spec, ".data.foo");
    uint32_t tagged = 0;
    std::memcpy(&tagged, foo.initial_value.data(), 4);
    CHECK(tagged == 0xf00);

    const MapDef &strings = elftest::map(spec, ".rodata.str1.1");
    CHECK(strings.freeze);
    CHECK(strings.spec.value_size == 6);
    CHECK(std::string(strings.initial_value.begin(), strings.initial_value.end()) ==
          std::string("done\n", 6));
    CHECK(strings.spec.btf_value_type_id == 0);  // clang emits no DATASEC for it
    CHECK(spec.maps.size() == 6);
}

TEST_CASE("global data map names follow libbpf") {
    // Observed with bpftool prog loadall on Linux 6.18 for iter_globals.bpf.o.
    CHECK(global_data_map_name("iter_globals", ".rodata") == "iter_glo.rodata");
    CHECK(global_data_map_name("iter_globals", ".data") == "iter_glo.data");
    CHECK(global_data_map_name("iter_globals", ".bss") == "iter_glo.bss");
    CHECK(global_data_map_name("iter_globals", ".data.foo") == ".data.foo");
    CHECK(global_data_map_name("iter_globals", ".rodata.str1.1") == ".rodata.str1.1");
    CHECK(global_data_map_name("a-b", ".data") == "a_b.data");
    CHECK(object_name_from_path("/x/y/it.bpf.o") == "it");
}

TEST_CASE("the BTF blob has DATASEC sizes and offsets filled in") {
    auto spec = load("globals");
    auto btf = btf::Btf::parse(spec.btf);
    REQUIRE(btf.has_value());
    auto id = btf->find(".rodata", BTF_KIND_DATASEC);
    REQUIRE(id.has_value());
    const btf::Type &rodata = btf->type(*id);
    CHECK(rodata.size == elftest::map(spec, "globals.rodata").spec.value_size);
    bool banner = false;
    for (const auto &info : rodata.secinfos)
        if (btf->type(info.type).name == "banner") {
            banner = true;
            CHECK(info.offset == 4);
            CHECK(info.size == 8);
        }
    CHECK(banner);
    CHECK(btf->type(*btf->find(".bss", BTF_KIND_DATASEC)).size == 8);
}
