#include "core/prog.h"

#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/sha256.h"
#include "core/vm/verifier/helper_protos.h"

namespace bpffs {

namespace {

constexpr size_t kObjNameLen = 16;  // BPF_OBJ_NAME_LEN
constexpr size_t kMaxLicenseLen = 127;

bool is_map_reference(const vm::Insn &insn) {
    return insn.code == vm::op::kLddw &&
           (insn.src == vm::op::kPseudoMapFd || insn.src == vm::op::kPseudoMapValue);
}

// The kernel's object names: letters, digits, '_' and '.', at most 15.
Status check_object_name(const std::string &name) {
    if (name.size() >= kObjNameLen)
        return fail(EINVAL, "program name '" + name + "' is longer than " +
                                std::to_string(kObjNameLen - 1) + " characters");
    for (char ch : name) {
        if (!isalnum(static_cast<unsigned char>(ch)) && ch != '_' && ch != '.')
            return fail(EINVAL, "program name '" + name +
                                    "' may only contain letters, digits, '_' and '.'");
    }
    return ok();
}

bool is_helper_call(const vm::Insn &insn) {
    return insn.code == (vm::op::kJmp | vm::op::kCall) && insn.src == vm::op::kCallHelper;
}

// A program that is not verified still may not call a GPL-only helper
// (the verifier's prototypes say which) under a license that is not
// GPL-compatible; verified programs meet the same check in the verifier.
Status check_gpl_helpers(std::span<const vm::Insn> insns, bool gpl) {
    if (gpl) return ok();
    for (size_t i = 0; i < insns.size(); ++i) {
        if (!is_helper_call(insns[i])) continue;
        const auto *proto = vm::verifier::find_helper_proto(insns[i].imm);
        if (proto != nullptr && proto->gpl_only)
            return fail(EINVAL, "instruction " + std::to_string(i) + ": " + proto->name +
                                    ": cannot call GPL-restricted function from non-GPL "
                                    "compatible program");
    }
    return ok();
}

uint64_t boottime_ns() {
    struct timespec ts {};
    clock_gettime(CLOCK_BOOTTIME, &ts);
    return uint64_t(ts.tv_sec) * 1000000000u + uint64_t(ts.tv_nsec);
}

void copy_name(char (&dst)[kObjNameLen], const std::string &src) {
    std::memset(dst, 0, sizeof dst);
    std::memcpy(dst, src.data(), std::min(src.size(), kObjNameLen - 1));
}

}  // namespace

std::array<uint8_t, 8> Prog::compute_tag(std::span<const vm::Insn> insns) {
    // As bpf_prog_calc_tag: the imm of both halves of a map reference is
    // zeroed so that the tag does not depend on fd numbers or addresses.
    std::vector<vm::Insn> blanked(insns.begin(), insns.end());
    bool in_map_ref = false;
    for (auto &insn : blanked) {
        if (!in_map_ref && is_map_reference(insn)) {
            in_map_ref = true;
            insn.imm = 0;
        } else if (in_map_ref && insn.code == 0 && insn.dst == 0 && insn.src == 0 &&
                   insn.off == 0) {
            in_map_ref = false;
            insn.imm = 0;
        } else {
            in_map_ref = false;
        }
    }
    auto digest = sha256(
        {reinterpret_cast<const uint8_t *>(blanked.data()), blanked.size() * sizeof(vm::Insn)});
    std::array<uint8_t, 8> tag{};
    std::copy_n(digest.begin(), tag.size(), tag.begin());
    return tag;
}

bool Prog::license_is_gpl_compatible(std::string_view license) {
    static constexpr std::string_view kCompatible[] = {
        "GPL",          "GPL v2",       "GPL and additional rights",
        "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL",
    };
    return std::find(std::begin(kCompatible), std::end(kCompatible), license) !=
           std::end(kCompatible);
}

Result<std::shared_ptr<Prog>> Prog::create(const ProgSpec &spec, std::vector<vm::Insn> insns,
                                           const vm::LoadOptions &options) {
    if (auto st = check_gpl_helpers(insns, license_is_gpl_compatible(spec.license)); !st)
        return tl::unexpected(st.error());
    return build(spec, std::move(insns), options);
}

Result<std::shared_ptr<Prog>> Prog::build(const ProgSpec &spec, std::vector<vm::Insn> insns,
                                          const vm::LoadOptions &options) {
    if (auto st = check_object_name(spec.name); !st) return tl::unexpected(st.error());
    if (spec.license.size() > kMaxLicenseLen)
        return fail(EINVAL, "the license string is longer than " + std::to_string(kMaxLicenseLen) +
                                " characters");
    // Record which instructions refer to which map while the VM resolves them.
    std::vector<MapRef> refs;
    vm::LoadOptions recording = options;
    // Only a verified program may run without per-access checks (create_verified).
    recording.checked = true;
    if (options.resolver) {
        recording.resolver = [&](const vm::PseudoImm &pseudo) -> Result<vm::ResolvedImm> {
            auto resolved = options.resolver(pseudo);
            if (resolved && resolved->map != nullptr)
                refs.push_back({pseudo.index, resolved->map, uint32_t(pseudo.next_imm)});
            return resolved;
        };
    }
    auto program = vm::Program::load(insns, recording);
    if (!program) return tl::unexpected(program.error());

    std::shared_ptr<Prog> prog(new Prog(spec, std::move(*program)));
    prog->map_refs_ = std::move(refs);
    prog->tag_ = compute_tag(insns);
    prog->load_time_ns_ = boottime_ns();
    return prog;
}

Result<std::shared_ptr<Prog>> Prog::create_verified(const ProgSpec &spec,
                                                    std::vector<vm::Insn> insns,
                                                    const vm::LoadOptions &options,
                                                    vm::verifier::ProgramEnv env,
                                                    vm::verifier::Verdict &verdict) {
    auto prog = build(spec, insns, options);
    if (!prog) return prog;
    Prog &p = **prog;
    env.helpers = options.helpers;
    env.gpl_compatible = license_is_gpl_compatible(spec.license);
    env.maps.clear();
    for (const auto &ref : p.map_refs_) {
        vm::verifier::MapRef m;
        m.index = ref.index;
        m.map = ref.map;
        m.direct_value = insns[ref.index].src == vm::op::kPseudoMapValue;
        m.value_offset = ref.value_offset;
        env.maps.push_back(m);
    }
    verdict = vm::verifier::verify(insns, env);
    if (!verdict.status) return tl::unexpected(verdict.status.error());
    p.verified_ = true;
    p.verified_insns_ = verdict.processed_insns;
    p.max_rdonly_access_ = verdict.max_rdonly_access;
    p.max_rdwr_access_ = verdict.max_rdwr_access;
    p.program_.mark_probe_loads(verdict.probe_loads);
    p.program_.set_verified({true, verdict.max_rdonly_access, verdict.max_rdwr_access});
    p.program_.set_checked(options.checked);
    return prog;
}

Prog::Prog(const ProgSpec &spec, vm::Program program)
    : Object(ObjectKind::prog), spec_(spec), program_(std::move(program)) {}

bool Prog::gpl_compatible() const {
    return license_is_gpl_compatible(spec_.license);
}

std::vector<uint32_t> Prog::map_ids() const {
    std::vector<const Map *> seen;
    std::vector<uint32_t> ids;
    for (const auto &ref : map_refs_) {
        if (std::find(seen.begin(), seen.end(), ref.map) != seen.end()) continue;
        seen.push_back(ref.map);
        ids.push_back(ref.map->id());
    }
    return ids;
}

std::vector<vm::Insn> Prog::xlated_for_dump() const {
    std::vector<vm::Insn> out = program_.insns();
    for (const auto &ref : map_refs_) {
        vm::Insn &lo = out[ref.index];
        vm::Insn &hi = out[ref.index + 1];
        lo.imm = static_cast<int32_t>(ref.map->id());
        hi.imm = lo.src == vm::op::kPseudoMapValue ? static_cast<int32_t>(ref.value_offset) : 0;
    }
    return out;
}

const kview::bpf_prog *Prog::view() const {
    // Filled on each call: the id is only known once the program is published.
    aux_view_.id = id();
    aux_view_.used_map_cnt = static_cast<uint32_t>(map_ids().size());
    copy_name(aux_view_.name, spec_.name);
    aux_view_.attach_func_name =
        spec_.attach_target.empty() ? nullptr : spec_.attach_target.c_str();
    aux_view_.dst_prog = nullptr;
    view_.pages = static_cast<uint16_t>((program_.insns().size() * sizeof(vm::Insn) + 4095) / 4096);
    view_.gpl_compatible = gpl_compatible() ? 1 : 0;
    view_.type = spec_.prog_type;
    view_.expected_attach_type = spec_.expected_attach_type;
    view_.len = static_cast<uint32_t>(program_.insns().size());
    std::copy(tag_.begin(), tag_.end(), view_.tag);
    view_.aux = &aux_view_;
    return &view_;
}

}  // namespace bpffs
