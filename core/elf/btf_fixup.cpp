#include "core/elf/btf_fixup.h"

#include <gelf.h>
#include <linux/btf.h>

#include <cerrno>
#include <cstring>
#include <string_view>

namespace bpffs::elf {

namespace {

tl::unexpected<Error> bad_btf(const std::string &what) {
    return fail(EINVAL, "invalid .BTF: " + what);
}

// Bytes that follow a struct btf_type for its kind.
size_t trailing_size(uint32_t kind, uint32_t vlen) {
    switch (kind) {
        case BTF_KIND_INT:
            return 4;
        case BTF_KIND_ARRAY:
            return sizeof(btf_array);
        case BTF_KIND_STRUCT:
        case BTF_KIND_UNION:
            return vlen * sizeof(btf_member);
        case BTF_KIND_ENUM:
            return vlen * sizeof(btf_enum);
        case BTF_KIND_FUNC_PROTO:
            return vlen * sizeof(btf_param);
        case BTF_KIND_VAR:
            return sizeof(btf_var);
        case BTF_KIND_DATASEC:
            return vlen * sizeof(btf_var_secinfo);
        case BTF_KIND_DECL_TAG:
            return sizeof(btf_decl_tag);
        case BTF_KIND_ENUM64:
            return vlen * sizeof(btf_enum64);
        default:
            return 0;
    }
}

class RawBtf {
  public:
    explicit RawBtf(std::vector<uint8_t> &raw) : raw_(raw) {}

    Status index() {
        if (raw_.size() < sizeof(btf_header)) return bad_btf("truncated header");
        std::memcpy(&hdr_, raw_.data(), sizeof(hdr_));
        uint64_t types = uint64_t{hdr_.hdr_len} + hdr_.type_off;
        uint64_t strs = uint64_t{hdr_.hdr_len} + hdr_.str_off;
        if (types + hdr_.type_len > raw_.size() || strs + hdr_.str_len > raw_.size())
            return bad_btf("sections lie past the end");
        types_ = types;
        strs_ = strs;
        offsets_.push_back(0);  // void
        for (size_t pos = types_; pos < types_ + hdr_.type_len;) {
            if (types_ + hdr_.type_len - pos < sizeof(btf_type)) return bad_btf("truncated type");
            btf_type t;
            std::memcpy(&t, raw_.data() + pos, sizeof(t));
            offsets_.push_back(pos);
            pos += sizeof(t) + trailing_size(BTF_INFO_KIND(t.info), BTF_INFO_VLEN(t.info));
            if (pos > types_ + hdr_.type_len) return bad_btf("truncated type");
        }
        return ok();
    }

    size_t count() const { return offsets_.size(); }
    btf_type type(size_t id) const {
        btf_type t;
        std::memcpy(&t, raw_.data() + offsets_[id], sizeof(t));
        return t;
    }
    std::string_view name(uint32_t off) const {
        if (off >= hdr_.str_len) return {};
        const char *s = reinterpret_cast<const char *>(raw_.data() + strs_ + off);
        return std::string_view(s, strnlen(s, hdr_.str_len - off));
    }
    uint8_t *record(size_t id) { return raw_.data() + offsets_[id]; }

  private:
    std::vector<uint8_t> &raw_;
    btf_header hdr_{};
    size_t types_ = 0, strs_ = 0;
    std::vector<size_t> offsets_;
};

const Symbol *variable_symbol(const ObjectFile &obj, std::string_view name, size_t section) {
    for (const Symbol &s : obj.symbols())
        if (s.shndx == section && s.type == STT_OBJECT && s.name == name) return &s;
    return nullptr;
}

Status fix_datasec(RawBtf &btf, size_t id, const Section &sec, const ObjectFile &obj) {
    uint8_t *rec = btf.record(id);
    btf_type t = btf.type(id);
    t.size = static_cast<uint32_t>(sec.size);
    std::memcpy(rec, &t, sizeof(t));
    for (uint32_t i = 0; i < BTF_INFO_VLEN(t.info); i++) {
        uint8_t *p = rec + sizeof(t) + i * sizeof(btf_var_secinfo);
        btf_var_secinfo info;
        std::memcpy(&info, p, sizeof(info));
        if (info.type == 0 || info.type >= btf.count())
            return bad_btf("DATASEC names a missing variable");
        btf_type var = btf.type(info.type);
        if (BTF_INFO_KIND(var.info) != BTF_KIND_VAR) continue;  // FUNC entries of .ksyms
        std::string_view var_name = btf.name(var.name_off);
        const Symbol *sym = variable_symbol(obj, var_name, sec.index);
        if (!sym)
            return bad_btf("variable '" + std::string(var_name) + "' of DATASEC '" + sec.name +
                           "' has no ELF symbol");
        info.offset = static_cast<uint32_t>(sym->value);
        std::memcpy(p, &info, sizeof(info));
    }
    return ok();
}

}  // namespace

Result<std::vector<uint8_t>> fixup_datasecs(const std::vector<uint8_t> &raw,
                                            const ObjectFile &obj) {
    std::vector<uint8_t> out = raw;
    RawBtf btf(out);
    if (auto st = btf.index(); !st) return tl::unexpected(st.error());
    for (size_t id = 1; id < btf.count(); id++) {
        btf_type t = btf.type(id);
        if (BTF_INFO_KIND(t.info) != BTF_KIND_DATASEC) continue;
        const Section *sec = obj.find_section(btf.name(t.name_off));
        if (!sec) continue;  // .kconfig, .ksyms: no ELF section
        if (auto st = fix_datasec(btf, id, *sec, obj); !st) return tl::unexpected(st.error());
    }
    return out;
}

}  // namespace bpffs::elf
