#include "core/elf/maps.h"

#include <gelf.h>
#include <linux/bpf.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstring>
#include <optional>

#include "core/elf/program.h"

namespace bpffs::elf {

namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

// Sections named exactly `base` or `base.<anything>`.
bool is_section_family(std::string_view name, std::string_view base) {
    return name == base ||
           (starts_with(name, base) && name.size() > base.size() && name[base.size()] == '.');
}

const Symbol *symbol_named_in(const ObjectFile &obj, std::string_view name, size_t section) {
    for (const Symbol &sym : obj.symbols())
        if (sym.shndx == section && sym.name == name && sym.type != STT_SECTION) return &sym;
    return nullptr;
}

// --- BTF-defined maps ---------------------------------------------------

// One decoded attribute of a map definition struct.
struct MapAttrs {
    std::optional<uint32_t> type, max_entries, map_flags, numa_node, pinning, key_size, value_size;
    std::optional<uint64_t> map_extra;
    uint32_t key_type = 0, value_type = 0;
};

tl::unexpected<Error> bad_map(std::string_view map, const std::string &what) {
    return fail(EINVAL, "map '" + std::string(map) + "': " + what);
}

// __uint(name, val) is `int (*name)[val]`: the value is the array length.
Result<uint32_t> uint_attr(const btf::Btf &btf, std::string_view map, const btf::Member &m) {
    const btf::Type &ptr = btf.type(btf.skip_modifiers(m.type));
    if (ptr.kind == BTF_KIND_PTR) {
        const btf::Type &arr = btf.type(btf.skip_modifiers(ptr.type));
        if (arr.kind == BTF_KIND_ARRAY) return arr.array_nelems;
    }
    return bad_map(map, "attribute '" + std::string(m.name) + "' is not declared with __uint()");
}

// __type(name, T) is `T *name`: the pointee is the type.
Result<uint32_t> type_attr(const btf::Btf &btf, std::string_view map, const btf::Member &m) {
    const btf::Type &ptr = btf.type(btf.skip_modifiers(m.type));
    if (ptr.kind != BTF_KIND_PTR)
        return bad_map(map,
                       "attribute '" + std::string(m.name) + "' is not declared with __type()");
    return ptr.type;
}

Status read_attr(const btf::Btf &btf, std::string_view map, const btf::Member &m, MapAttrs &a) {
    std::string_view name = m.name;
    auto set_uint = [&](std::optional<uint32_t> &field) -> Status {
        auto v = uint_attr(btf, map, m);
        if (!v) return tl::unexpected(v.error());
        field = *v;
        return ok();
    };
    if (name == "type") return set_uint(a.type);
    if (name == "max_entries") return set_uint(a.max_entries);
    if (name == "map_flags") return set_uint(a.map_flags);
    if (name == "numa_node") return set_uint(a.numa_node);
    if (name == "pinning") return set_uint(a.pinning);
    if (name == "key_size") return set_uint(a.key_size);
    if (name == "value_size") return set_uint(a.value_size);
    if (name == "map_extra") {
        std::optional<uint32_t> v;
        if (auto st = set_uint(v); !st) return st;
        a.map_extra = *v;
        return ok();
    }
    if (name == "key" || name == "value") {
        auto t = type_attr(btf, map, m);
        if (!t) return tl::unexpected(t.error());
        (name == "key" ? a.key_type : a.value_type) = *t;
        return ok();
    }
    if (name == "values" || name == "inner")
        return fail(EOPNOTSUPP,
                    "map '" + std::string(map) + "': attribute '" + std::string(name) +
                        "' (maps of maps, program arrays) is not supported by bpffsd yet");
    return bad_map(map, "unknown attribute '" + std::string(name) + "'");
}

// A size given both as key_size and as the size of `key` must agree.
Result<uint32_t> resolve_kv_size(const btf::Btf &btf, std::string_view map, std::string_view what,
                                 std::optional<uint32_t> explicit_size, uint32_t type_id) {
    if (type_id == 0) return explicit_size.value_or(0);
    auto size = btf.resolve_size(type_id);
    if (!size || *size > UINT32_MAX)
        return bad_map(map, "the " + std::string(what) + " type has no size");
    if (explicit_size && *explicit_size != *size)
        return bad_map(map, std::string(what) + "_size " + std::to_string(*explicit_size) +
                                " disagrees with the " + std::string(what) + " type's size " +
                                std::to_string(*size));
    return static_cast<uint32_t>(*size);
}

Result<MapDef> btf_map(const ObjectFile &obj, const btf::Btf &btf, const Section &sec,
                       const btf::VarSecInfo &info) {
    const btf::Type &var = btf.type(info.type);
    if (var.kind != BTF_KIND_VAR) return fail(EINVAL, "the .maps DATASEC holds a non-variable");
    std::string_view name = var.name;
    const btf::Type &def = btf.type(btf.skip_modifiers(var.type));
    if (def.kind != BTF_KIND_STRUCT) return bad_map(name, "the definition is not a struct");
    MapAttrs a;
    for (const btf::Member &m : def.members)
        if (auto st = read_attr(btf, name, m, a); !st) return tl::unexpected(st.error());
    if (!a.type) return bad_map(name, "the map type is missing");
    if (a.pinning && *a.pinning != kPinNone && *a.pinning != kPinByName)
        return bad_map(name, "pinning " + std::to_string(*a.pinning) + " is not a libbpf value");
    auto key_size = resolve_kv_size(btf, name, "key", a.key_size, a.key_type);
    if (!key_size) return tl::unexpected(key_size.error());
    auto value_size = resolve_kv_size(btf, name, "value", a.value_size, a.value_type);
    if (!value_size) return tl::unexpected(value_size.error());
    const Symbol *sym = symbol_named_in(obj, name, sec.index);
    if (!sym) return bad_map(name, "no ELF symbol in the .maps section");
    if (sym->value > sec.size || sec.size - sym->value < def.size)
        return bad_map(name, "the definition lies outside the .maps section");

    MapDef m;
    m.origin = MapOrigin::btf_defined;
    m.var_name = std::string(name);
    m.section_index = sec.index;
    m.section_offset = sym->value;
    m.definition_size = def.size;
    m.pinning = a.pinning.value_or(kPinNone);
    m.spec.map_type = *a.type;
    m.spec.key_size = *key_size;
    m.spec.value_size = *value_size;
    m.spec.max_entries = a.max_entries.value_or(0);
    m.spec.map_flags = a.map_flags.value_or(0);
    m.spec.numa_node = a.numa_node.value_or(0);
    m.spec.map_extra = a.map_extra.value_or(0);
    m.spec.name = kernel_object_name(name);
    m.spec.btf_key_type_id = a.key_type;
    m.spec.btf_value_type_id = a.value_type;
    return m;
}

Status add_btf_maps(const ObjectFile &obj, const btf::Btf *btf, std::vector<MapDef> &maps) {
    const Section *sec = obj.find_section(".maps");
    if (!sec) return ok();
    if (!btf) return fail(EINVAL, "the object has a .maps section but no .BTF to describe it");
    auto datasec = btf->find(".maps", BTF_KIND_DATASEC);
    if (!datasec) return fail(EINVAL, "the object's BTF has no DATASEC for its .maps section");
    for (const btf::VarSecInfo &info : btf->type(*datasec).secinfos) {
        auto m = btf_map(obj, *btf, *sec, info);
        if (!m) return tl::unexpected(m.error());
        maps.push_back(std::move(*m));
    }
    return ok();
}

// --- legacy maps ----------------------------------------------------------

// struct bpf_map_def of the old bpf_helpers.h: five u32 fields.
struct LegacyMapDef {
    uint32_t type, key_size, value_size, max_entries, map_flags;
};

Status add_legacy_maps(const ObjectFile &obj, std::vector<MapDef> &maps) {
    const Section *sec = obj.find_section("maps");
    if (!sec || sec->size == 0) return ok();
    if (sec->type != SHT_PROGBITS) return fail(EINVAL, "the legacy 'maps' section has no contents");
    std::vector<const Symbol *> syms;
    for (const Symbol &sym : obj.symbols())
        if (sym.shndx == sec->index && sym.type != STT_SECTION && !sym.name.empty())
            syms.push_back(&sym);
    if (syms.empty()) return fail(EINVAL, "the legacy 'maps' section names no map");
    if (sec->size % syms.size() != 0)
        return fail(EINVAL, "the legacy 'maps' section is not a whole number of map definitions");
    size_t record = sec->size / syms.size();
    if (record < sizeof(LegacyMapDef))
        return fail(EINVAL, "legacy map definitions of " + std::to_string(record) +
                                " bytes are shorter than struct bpf_map_def");
    std::sort(syms.begin(), syms.end(), [](auto *a, auto *b) { return a->value < b->value; });
    for (const Symbol *sym : syms) {
        if (sym->value % record != 0 || sym->value + record > sec->size)
            return bad_map(sym->name, "the legacy definition is misplaced in the 'maps' section");
        const uint8_t *bytes = sec->data.data() + sym->value;
        if (std::any_of(bytes + sizeof(LegacyMapDef), bytes + record, [](uint8_t b) { return b; }))
            return bad_map(sym->name, "the legacy definition has attributes bpffsd does not know");
        LegacyMapDef def;
        std::memcpy(&def, bytes, sizeof(def));
        MapDef m;
        m.origin = MapOrigin::legacy;
        m.var_name = sym->name;
        m.section_index = sec->index;
        m.section_offset = sym->value;
        m.definition_size = record;
        m.spec.map_type = def.type;
        m.spec.key_size = def.key_size;
        m.spec.value_size = def.value_size;
        m.spec.max_entries = def.max_entries;
        m.spec.map_flags = def.map_flags;
        m.spec.name = kernel_object_name(sym->name);
        maps.push_back(std::move(m));
    }
    return ok();
}

// --- global data ----------------------------------------------------------

constexpr uint64_t kMaxGlobalDataSize = INT_MAX;

Status add_global_data_maps(const ObjectFile &obj, const btf::Btf *btf,
                            std::string_view object_name, std::vector<MapDef> &maps) {
    for (const Section &sec : obj.sections()) {
        if (!is_global_data_section(sec) || sec.size == 0) continue;
        // The kernel refuses an array value above INT_MAX (array_map_alloc_check);
        // refusing here also keeps a tiny object that claims a huge .bss
        // (SHT_NOBITS: no bytes in the file) from making us allocate it.
        if (sec.size > kMaxGlobalDataSize)
            return fail(E2BIG, "section '" + sec.name + "' claims " + std::to_string(sec.size) +
                                   " bytes; a global data map's value may be at most " +
                                   std::to_string(kMaxGlobalDataSize) +
                                   " bytes (the kernel's limit for an array map value)");
        bool readonly = is_section_family(sec.name, ".rodata");
        MapDef m;
        m.origin = MapOrigin::global_data;
        m.var_name = sec.name;
        m.section_index = sec.index;
        m.definition_size = sec.size;
        m.spec.map_type = BPF_MAP_TYPE_ARRAY;
        m.spec.key_size = sizeof(uint32_t);
        m.spec.value_size = static_cast<uint32_t>(sec.size);
        m.spec.max_entries = 1;
        // As libbpf: every global data map is mmapable; read-only data is
        // read-only for programs and frozen once written.
        m.spec.map_flags = BPF_F_MMAPABLE | (readonly ? BPF_F_RDONLY_PROG : 0);
        m.spec.name = global_data_map_name(object_name, sec.name);
        if (btf) {
            if (auto id = btf->find(sec.name, BTF_KIND_DATASEC)) m.spec.btf_value_type_id = *id;
        }
        m.freeze = readonly;
        m.initial_value = sec.type == SHT_NOBITS ? std::vector<uint8_t>(sec.size, 0) : sec.data;
        maps.push_back(std::move(m));
    }
    return ok();
}

}  // namespace

bool is_global_data_section(const Section &sec) {
    if (!(sec.flags & SHF_ALLOC) || (sec.flags & SHF_EXECINSTR)) return false;
    if (sec.type == SHT_NOBITS) return is_section_family(sec.name, ".bss");
    if (sec.type != SHT_PROGBITS) return false;
    return is_section_family(sec.name, ".data") || is_section_family(sec.name, ".rodata");
}

std::string global_data_map_name(std::string_view object_name, std::string_view section_name) {
    // libbpf: a section name with a second dot (".data.foo", ".rodata.str1.1")
    // is the whole map name; otherwise as much of the object name as fits
    // before the section name, which is counted as at least 7 characters.
    size_t suffix_len = std::max<size_t>(7, section_name.size());
    size_t prefix_len = 0;
    if (section_name.find('.', 1) == std::string_view::npos && suffix_len < BPF_OBJ_NAME_LEN - 1)
        prefix_len = std::min(BPF_OBJ_NAME_LEN - 1 - suffix_len, object_name.size());
    std::string name = std::string(object_name.substr(0, prefix_len)) +
                       std::string(section_name.substr(0, BPF_OBJ_NAME_LEN - 1 - prefix_len));
    // The kernel accepts only alphanumerics, '_' and '.' in object names.
    for (char &c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.') c = '_';
    return name;
}

Result<std::vector<MapDef>> find_maps(const ObjectFile &obj, const btf::Btf *btf,
                                      std::string_view object_name) {
    std::vector<MapDef> maps;
    if (auto st = add_btf_maps(obj, btf, maps); !st) return tl::unexpected(st.error());
    if (auto st = add_legacy_maps(obj, maps); !st) return tl::unexpected(st.error());
    if (auto st = add_global_data_maps(obj, btf, object_name, maps); !st)
        return tl::unexpected(st.error());
    return maps;
}

}  // namespace bpffs::elf
