#include "core/elf/loader.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "core/elf/btf_fixup.h"
#include "core/elf/core_relo.h"
#include "core/elf/relocate.h"

namespace bpffs::elf {

namespace {

std::string read_license(const ObjectFile &obj) {
    const Section *sec = obj.find_section("license");
    if (!sec || sec->data.empty()) return "";
    const char *s = reinterpret_cast<const char *>(sec->data.data());
    return std::string(s, strnlen(s, sec->data.size()));
}

Result<uint32_t> read_version(const ObjectFile &obj) {
    const Section *sec = obj.find_section("version");
    if (!sec) return 0u;
    if (sec->data.size() != sizeof(uint32_t))
        return fail(EINVAL, "the 'version' section is not a 32-bit value");
    uint32_t v;
    std::memcpy(&v, sec->data.data(), sizeof(v));
    return v;
}

// Parses .BTF, completes its DATASECs and parses the result again, so that
// what the daemon will load is what was validated.
Status read_btf(ParsedObject &parsed, ObjectSpec &spec) {
    const Section *sec = parsed.file.find_section(".BTF");
    if (!sec) return ok();
    auto original = btf::Btf::parse(sec->data);
    if (!original) return fail(EINVAL, "the object's .BTF is invalid: " + original.error().message);
    auto fixed = fixup_datasecs(sec->data, parsed.file);
    if (!fixed) return tl::unexpected(fixed.error());
    auto btf = btf::Btf::parse(*fixed);
    if (!btf)
        return fail(EINVAL, "the object's .BTF is invalid once completed: " + btf.error().message);
    spec.btf = std::move(*fixed);
    parsed.btf = std::move(*btf);

    if (const Section *ext = parsed.file.find_section(".BTF.ext")) {
        auto e = parse_btf_ext(ext->data, *parsed.btf);
        if (!e) return tl::unexpected(e.error());
        parsed.ext = std::move(*e);
    }
    return ok();
}

// Every code section's instructions, CO-RE applied when a target is given.
Result<SectionCode> section_code(const ParsedObject &parsed, const btf::Btf *target) {
    SectionCode code;
    for (const Section &sec : parsed.file.sections()) {
        if (!sec.executable()) continue;
        if (sec.data.size() % sizeof(bpf_insn) != 0)
            return fail(EINVAL, "section '" + sec.name + "' is not a whole number of instructions");
        std::vector<bpf_insn> insns(sec.data.size() / sizeof(bpf_insn));
        if (!insns.empty()) std::memcpy(insns.data(), sec.data.data(), sec.data.size());
        auto relos = parsed.ext.core_relos.find(sec.name);
        if (relos != parsed.ext.core_relos.end() && !relos->second.empty()) {
            if (!target)
                return fail(EINVAL, "section '" + sec.name +
                                        "' has CO-RE relocations but no target BTF was given");
            auto st = apply_core_relos(insns, relos->second, *parsed.btf, *target, sec.name);
            if (!st) return tl::unexpected(st.error());
        }
        code.emplace(sec.index, std::move(insns));
    }
    return code;
}

}  // namespace

std::string object_name_from_path(std::string_view path) {
    if (auto slash = path.rfind('/'); slash != std::string_view::npos)
        path.remove_prefix(slash + 1);
    return std::string(path.substr(0, path.find('.')));
}

Result<ObjectSpec> load_object(std::span<const uint8_t> bytes, std::string_view file_name) {
    auto file = ObjectFile::parse(bytes);
    if (!file) return tl::unexpected(file.error());
    auto parsed = std::make_shared<ParsedObject>();
    parsed->file = std::move(*file);

    ObjectSpec spec;
    spec.name = object_name_from_path(file_name);
    spec.license = read_license(parsed->file);
    auto version = read_version(parsed->file);
    if (!version) return tl::unexpected(version.error());
    spec.kern_version = *version;
    if (auto st = read_btf(*parsed, spec); !st) return tl::unexpected(st.error());

    auto programs = find_programs(parsed->file);
    if (!programs) return tl::unexpected(programs.error());
    if (programs->empty()) return fail(ENOENT, "the object holds no program");
    spec.programs = std::move(*programs);
    auto maps = find_maps(parsed->file, parsed->btf ? &*parsed->btf : nullptr, spec.name);
    if (!maps) return tl::unexpected(maps.error());
    spec.maps = std::move(*maps);
    spec.parsed = std::move(parsed);
    return spec;
}

Result<ObjectSpec> load_object_file(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(ENOENT, "cannot open BPF object '" + path + "': " + std::strerror(errno));
    std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in),
                               std::istreambuf_iterator<char>()};
    return load_object(bytes, path);
}

Status relocate(ObjectSpec &spec, const std::vector<int> &map_fds, const btf::Btf *target_btf) {
    if (!spec.parsed) return fail(EINVAL, "the object spec was not produced by load_object()");
    if (map_fds.size() != spec.maps.size())
        return fail(EINVAL, "relocation needs one fd per map: " + std::to_string(spec.maps.size()) +
                                " maps, " + std::to_string(map_fds.size()) + " fds");
    auto code = section_code(*spec.parsed, target_btf);
    if (!code) return tl::unexpected(code.error());
    RelocationInputs in{spec.parsed->file, *code, spec.maps, map_fds, &spec.parsed->ext};
    for (ProgramSpec &prog : spec.programs)
        if (auto st = relocate_program(prog, in); !st) return st;
    return ok();
}

}  // namespace bpffs::elf
