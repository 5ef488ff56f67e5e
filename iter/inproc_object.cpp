#include "iter/inproc_object.h"

#include <linux/bpf.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "core/btf/btf.h"
#include "core/btf/daemon_btf.h"
#include "core/elf/loader.h"
#include "core/vm/isa.h"
#include "iter/seq_helpers.h"
#include "iter/target.h"
#include "iter/verifier_ctx.h"

namespace bpffs {
namespace {

// The "fds" relocate() writes into map references: an index into the
// object's maps, offset so that 0 is never one of them.
constexpr int kMapFdBase = 1000;

Result<std::shared_ptr<Map>> create_map(const elf::MapDef &def) {
    MapSpec spec = def.spec;
    // The object's BTF is not loaded in the daemon: the map has none.
    spec.btf_id = spec.btf_key_type_id = spec.btf_value_type_id = 0;
    auto map = Map::create(spec, possible_cpus());
    if (!map) return map;
    if (!def.initial_value.empty()) {
        const uint32_t key = 0;
        std::vector<uint8_t> value(def.initial_value);
        value.resize((*map)->user_value_size());
        if (auto st = (*map)->update(&key, value.data(), BPF_ANY); !st)
            return tl::unexpected(st.error());
    }
    if (def.freeze) {
        if (auto st = (*map)->freeze(); !st) return tl::unexpected(st.error());
    }
    return publish(*map);
}

vm::ImmResolver map_resolver(const std::vector<std::shared_ptr<Map>> &maps) {
    return [&maps](const vm::PseudoImm &p) -> Result<vm::ResolvedImm> {
        const int64_t index = int64_t(p.imm) - kMapFdBase;
        if (index < 0 || size_t(index) >= maps.size())
            return fail(EBADF, "instruction " + std::to_string(p.index) +
                                   " refers to no map of the object");
        const auto &map = maps[size_t(index)];
        vm::ResolvedImm r;
        r.hold = map;
        r.map = map.get();  // both forms use the map (the verifier needs it)
        if (p.src == vm::op::kPseudoMapFd) {
            r.value = reinterpret_cast<uintptr_t>(map.get());
            return r;
        }
        if (p.src != vm::op::kPseudoMapValue)
            return fail(EINVAL, "instruction " + std::to_string(p.index) +
                                    ": unsupported 64-bit immediate form");
        if (map->type() != BPF_MAP_TYPE_ARRAY || map->max_entries() != 1 ||
            uint32_t(p.next_imm) >= map->value_size())
            return fail(EINVAL, "instruction " + std::to_string(p.index) +
                                    ": map value reference outside a single-element array");
        const uint32_t key = 0;
        auto *value = static_cast<uint8_t *>(map->lookup_for_prog(&key, 0));
        if (value == nullptr) return fail(EINVAL, "map " + map->name() + " has no value");
        r.value = reinterpret_cast<uintptr_t>(value + p.next_imm);
        r.region = value;
        r.region_len = map->value_size();
        r.region_writable = (map->flags() & BPF_F_RDONLY_PROG) == 0;
        return r;
    };
}

// Loads one program of the object, proven safe by the verifier with the
// privileged rules (the daemon's own programs and its tests). A refused
// program's error carries the end of the verifier's log.
Result<std::shared_ptr<Prog>> load_verified(const ProgSpec &spec, std::vector<vm::Insn> insns,
                                            const vm::LoadOptions &options) {
    auto target = TargetRegistry::global().find(spec.attach_target);
    if (!target) return fail(EINVAL, "no iterator target named '" + spec.attach_target + "'");
    vm::verifier::ProgramEnv env = iter_program_env(*target);
    env.privileged = true;
    vm::verifier::Verdict verdict;
    auto prog = Prog::create_verified(spec, insns, options, env, verdict);
    if (prog || prog.error().code == EBADF) return prog;
    env.log_level = 1;
    env.log_size = 1u << 20;
    Prog::create_verified(spec, std::move(insns), options, env, verdict);
    std::string tail =
        verdict.log.size() > 2000 ? verdict.log.substr(verdict.log.size() - 2000) : verdict.log;
    return fail(prog.error().code, prog.error().message + "\nverifier log:\n" + tail);
}

}  // namespace

std::shared_ptr<Map> InprocObject::map(std::string_view name) const {
    for (const auto &m : maps)
        if (m->name() == name) return m;
    return nullptr;
}

const InprocProgram *InprocObject::program(std::string_view name) const {
    for (const auto &p : programs)
        if (p.name == name) return &p;
    return nullptr;
}

Result<std::shared_ptr<BpfIterProgram>> InprocObject::iter_program(std::string_view name) const {
    const InprocProgram *p = program(name);
    if (p == nullptr) return fail(ENOENT, "no program named " + std::string(name));
    return std::make_shared<BpfIterProgram>(p->program, p->sleepable);
}

Result<InprocObject> load_inproc_object(std::span<const uint8_t> bytes, std::string_view name,
                                        bool checked) {
    auto spec = elf::load_object(bytes, name);
    if (!spec) return tl::unexpected(spec.error());
    InprocObject obj;
    std::vector<int> fds;
    for (const auto &def : spec->maps) {
        auto map = create_map(def);
        if (!map)
            return fail(map.error().code, "map " + def.spec.name + ": " + map.error().message);
        fds.push_back(kMapFdBase + int(obj.maps.size()));
        obj.maps.push_back(std::move(*map));
    }
    auto target_btf = btf::Btf::parse(btf::daemon_btf_raw());
    if (!target_btf) return tl::unexpected(target_btf.error());
    if (auto st = elf::relocate(*spec, fds, &*target_btf); !st) return tl::unexpected(st.error());
    vm::LoadOptions options;
    options.helpers = &iter_helper_table();
    options.resolver = map_resolver(obj.maps);
    options.checked = checked;
    for (const auto &ps : spec->programs) {
        InprocProgram p;
        p.name = ps.name;
        p.target = ps.kind.attach_target;
        p.sleepable = ps.kind.sleepable;
        ProgSpec prog_spec;
        prog_spec.prog_type = ps.kind.prog_type;
        prog_spec.expected_attach_type = ps.kind.expected_attach_type;
        prog_spec.name = ps.kernel_name;
        prog_spec.attach_target = ps.kind.attach_target;
        prog_spec.license = spec->license;
        prog_spec.prog_flags = ps.kind.sleepable ? BPF_F_SLEEPABLE : 0;
        std::vector<vm::Insn> insns(ps.insns.size());
        std::memcpy(insns.data(), ps.insns.data(), ps.insns.size() * sizeof(vm::Insn));
        auto prog = load_verified(prog_spec, std::move(insns), options);
        if (!prog)
            return fail(prog.error().code, "program " + ps.name + ": " + prog.error().message);
        p.prog = publish(*prog);
        p.program = std::shared_ptr<const vm::Program>(p.prog, &p.prog->program());
        obj.programs.push_back(std::move(p));
    }
    return obj;
}

Result<InprocObject> load_inproc_object_file(const std::string &path, bool checked) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(ENOENT, "cannot read " + path);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                               std::istreambuf_iterator<char>());
    return load_inproc_object(bytes, path, checked);
}

}  // namespace bpffs
