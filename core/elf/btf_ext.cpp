#include "core/elf/btf_ext.h"

#include <cerrno>
#include <cstring>

namespace bpffs::elf {

namespace {

constexpr uint16_t kBtfMagic = 0xeB9F;

// The .BTF.ext header; the CO-RE fields exist when hdr_len covers them.
struct ExtHeader {
    uint16_t magic;
    uint8_t version;
    uint8_t flags;
    uint32_t hdr_len;
    uint32_t func_info_off, func_info_len;
    uint32_t line_info_off, line_info_len;
    uint32_t core_relo_off, core_relo_len;
};
constexpr uint32_t kHeaderWithoutCore = offsetof(ExtHeader, core_relo_off);

struct RawCoreRelo {
    uint32_t insn_off, type_id, access_str_off, kind;
};

tl::unexpected<Error> bad_ext(const std::string &what) {
    return fail(EINVAL, "invalid .BTF.ext: " + what);
}

uint32_t read_u32(const uint8_t *p) {
    uint32_t v;
    std::memcpy(&v, p, sizeof(v));
    return v;
}

// Walks one info block: u32 record size, then per section
// {u32 sec_name_off, u32 num_info, num_info records}. For each record the
// callback gets the section name and the record's first min_size bytes.
template <class OnRecord>
Status walk_info(std::span<const uint8_t> block, std::string_view what, size_t min_size,
                 const btf::Btf &btf, OnRecord on_record) {
    if (block.empty()) return ok();
    if (block.size() < 4) return bad_ext(std::string(what) + " has no record size");
    uint32_t rec_size = read_u32(block.data());
    if (rec_size < min_size || rec_size % 4 != 0)
        return bad_ext(std::string(what) + " records of " + std::to_string(rec_size) +
                       " bytes are malformed");
    size_t pos = 4;
    while (pos < block.size()) {
        if (block.size() - pos < 8)
            return bad_ext(std::string(what) + " has a truncated section header");
        uint32_t name_off = read_u32(block.data() + pos);
        uint32_t count = read_u32(block.data() + pos + 4);
        pos += 8;
        auto name = btf.string_at(name_off);
        if (!name || name->empty())
            return bad_ext(std::string(what) + " names a section with a bad string offset");
        if (count == 0) return bad_ext(std::string(what) + " has an empty section entry");
        if ((block.size() - pos) / rec_size < count)
            return bad_ext(std::string(what) + " of section '" + std::string(*name) +
                           "' is truncated");
        for (uint32_t i = 0; i < count; i++, pos += rec_size)
            if (auto st = on_record(std::string(*name), block.data() + pos); !st) return st;
    }
    return ok();
}

Result<std::span<const uint8_t>> block_of(std::span<const uint8_t> body, uint32_t off, uint32_t len,
                                          std::string_view what) {
    if (off > body.size() || body.size() - off < len)
        return bad_ext(std::string(what) + " lies outside the section");
    return body.subspan(off, len);
}

}  // namespace

Result<BtfExt> parse_btf_ext(std::span<const uint8_t> raw, const btf::Btf &btf) {
    ExtHeader hdr{};
    if (raw.size() < kHeaderWithoutCore) return bad_ext("the header is truncated");
    std::memcpy(&hdr, raw.data(), kHeaderWithoutCore);
    if (hdr.magic != kBtfMagic) return bad_ext("bad magic");
    if (hdr.version != 1) return bad_ext("unsupported version " + std::to_string(hdr.version));
    if (hdr.hdr_len < kHeaderWithoutCore || hdr.hdr_len > raw.size() || hdr.hdr_len % 4 != 0)
        return bad_ext("bad header length " + std::to_string(hdr.hdr_len));
    if (hdr.hdr_len >= sizeof(ExtHeader)) std::memcpy(&hdr, raw.data(), sizeof(ExtHeader));
    std::span<const uint8_t> body = raw.subspan(hdr.hdr_len);

    BtfExt ext;
    auto func_block = block_of(body, hdr.func_info_off, hdr.func_info_len, "func_info");
    if (!func_block) return tl::unexpected(func_block.error());
    auto st = walk_info(*func_block, "func_info", sizeof(bpf_func_info), btf,
                        [&](const std::string &sec, const uint8_t *rec) -> Status {
                            bpf_func_info fi;
                            std::memcpy(&fi, rec, sizeof(fi));
                            if (fi.type_id == 0 || fi.type_id > btf.type_count() ||
                                btf.type(fi.type_id).kind != BTF_KIND_FUNC)
                                return bad_ext("func_info in '" + sec + "' names no BTF FUNC");
                            if (fi.insn_off % sizeof(bpf_insn) != 0)
                                return bad_ext("func_info in '" + sec + "' is misaligned");
                            ext.func_info[sec].push_back(fi);
                            return ok();
                        });
    if (!st) return tl::unexpected(st.error());

    auto line_block = block_of(body, hdr.line_info_off, hdr.line_info_len, "line_info");
    if (!line_block) return tl::unexpected(line_block.error());
    st = walk_info(*line_block, "line_info", sizeof(bpf_line_info), btf,
                   [&](const std::string &sec, const uint8_t *rec) -> Status {
                       bpf_line_info li;
                       std::memcpy(&li, rec, sizeof(li));
                       if (li.insn_off % sizeof(bpf_insn) != 0)
                           return bad_ext("line_info in '" + sec + "' is misaligned");
                       ext.line_info[sec].push_back(li);
                       return ok();
                   });
    if (!st) return tl::unexpected(st.error());

    if (hdr.hdr_len < sizeof(ExtHeader)) return ext;
    auto core_block = block_of(body, hdr.core_relo_off, hdr.core_relo_len, "core_relo");
    if (!core_block) return tl::unexpected(core_block.error());
    st = walk_info(
        *core_block, "core_relo", sizeof(RawCoreRelo), btf,
        [&](const std::string &sec, const uint8_t *rec) -> Status {
            RawCoreRelo r;
            std::memcpy(&r, rec, sizeof(r));
            auto access = btf.string_at(r.access_str_off);
            if (!access || access->empty())
                return bad_ext("a CO-RE relocation in '" + sec + "' has no access string");
            if (r.insn_off % sizeof(bpf_insn) != 0)
                return bad_ext("a CO-RE relocation in '" + sec + "' is misaligned");
            if (r.type_id == 0 || r.type_id > btf.type_count())
                return bad_ext("a CO-RE relocation in '" + sec + "' names no type");
            ext.core_relos[sec].push_back({r.insn_off, r.type_id, std::string(*access), r.kind});
            return ok();
        });
    if (!st) return tl::unexpected(st.error());
    return ext;
}

}  // namespace bpffs::elf
