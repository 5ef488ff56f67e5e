// Hostile objects: truncated, wrong machine, corrupted indexes, corrupted
// BTF and random damage. Every one must give an error with a sentence or,
// for harmless damage, a result: never a crash (this runs under ASan+UBSan).
#include <elf.h>
#include <catch2/catch.hpp>

#include <cerrno>
#include <climits>
#include <cstring>
#include <random>

#include "core/elf/loader.h"
#include "test_objects.h"

using namespace bpffs;
using namespace bpffs::elf;

namespace {

Elf64_Ehdr header(const std::vector<uint8_t> &bytes) {
    Elf64_Ehdr h;
    std::memcpy(&h, bytes.data(), sizeof(h));
    return h;
}

Elf64_Shdr section_header(const std::vector<uint8_t> &bytes, size_t index) {
    Elf64_Shdr s;
    std::memcpy(&s, bytes.data() + header(bytes).e_shoff + index * sizeof(s), sizeof(s));
    return s;
}

// The header of the section with this name.
Elf64_Shdr named_section(const std::vector<uint8_t> &bytes, const std::string &name) {
    Elf64_Ehdr h = header(bytes);
    Elf64_Shdr strtab = section_header(bytes, h.e_shstrndx);
    for (size_t i = 1; i < h.e_shnum; i++) {
        Elf64_Shdr s = section_header(bytes, i);
        if (name == reinterpret_cast<const char *>(bytes.data() + strtab.sh_offset + s.sh_name))
            return s;
    }
    FAIL("no section " << name);
    return {};
}

// Loads and relocates; returns the error, if any. Must not crash.
std::optional<Error> try_everything(const std::vector<uint8_t> &bytes) {
    auto spec = load_object(bytes, "hostile.bpf.o");
    if (!spec) return spec.error();
    static const btf::Btf target = elftest::target_btf();
    auto st = relocate(*spec, elftest::fake_fds(*spec), &target);
    if (!st) return st.error();
    return std::nullopt;
}

void require_error(const std::vector<uint8_t> &bytes, const std::string &fragment = "") {
    auto err = try_everything(bytes);
    REQUIRE(err.has_value());
    CHECK(err->code > 0);
    CHECK_FALSE(err->message.empty());
    if (!fragment.empty()) {
        INFO(err->message);
        CHECK(err->message.find(fragment) != std::string::npos);
    }
}

}  // namespace

TEST_CASE("the test objects themselves load and relocate") {
    for (const char *name : {"globals", "maps_calls", "core_reads"}) {
        auto err = try_everything(elftest::program_bytes(name));
        INFO(name << ": " << (err ? err->message : ""));
        CHECK_FALSE(err.has_value());
    }
}

TEST_CASE("truncated objects are refused at every length") {
    for (const char *name : {"globals", "maps_calls", "core_reads"}) {
        auto bytes = elftest::program_bytes(name);
        for (size_t len = 0; len < bytes.size(); len += (len < 512 ? 1 : 13)) {
            std::vector<uint8_t> cut(bytes.begin(),
                                     bytes.begin() + static_cast<std::ptrdiff_t>(len));
            INFO(name << " cut at " << len);
            CHECK(try_everything(cut).has_value());
        }
    }
}

TEST_CASE("objects for another machine, class or byte order are refused") {
    auto bytes = elftest::program_bytes("globals");
    auto machine = bytes;
    uint16_t x86 = EM_X86_64;
    std::memcpy(machine.data() + offsetof(Elf64_Ehdr, e_machine), &x86, 2);
    require_error(machine, "not EM_BPF");

    auto klass = bytes;
    klass[EI_CLASS] = ELFCLASS32;
    require_error(klass);

    auto order = bytes;
    order[EI_DATA] = ELFDATA2MSB;
    require_error(order, "little-endian");

    auto type = bytes;
    uint16_t exec = ET_EXEC;
    std::memcpy(type.data() + offsetof(Elf64_Ehdr, e_type), &exec, 2);
    require_error(type, "relocatable");

    require_error(std::vector<uint8_t>{'n', 'o', 't', ' ', 'e', 'l', 'f'});
    std::vector<uint8_t> junk(4096, 0x41);
    require_error(junk);
}

TEST_CASE("corrupted section and relocation indexes are refused") {
    auto bytes = elftest::program_bytes("globals");
    Elf64_Shdr rel = named_section(bytes, ".reliter/bpf_map");

    auto bad_symbol = bytes;
    Elf64_Rel r;
    std::memcpy(&r, bad_symbol.data() + rel.sh_offset, sizeof(r));
    r.r_info = ELF64_R_INFO(0xfffff, ELF64_R_TYPE(r.r_info));
    std::memcpy(bad_symbol.data() + rel.sh_offset, &r, sizeof(r));
    require_error(bad_symbol, "does not exist");

    auto bad_offset = bytes;
    std::memcpy(&r, bad_offset.data() + rel.sh_offset, sizeof(r));
    r.r_offset = 8;  // the second instruction, not an ldimm64
    std::memcpy(bad_offset.data() + rel.sh_offset, &r, sizeof(r));
    require_error(bad_offset, "neither an ldimm64 nor a call");

    // The relocation section's target index (sh_info) out of range.
    auto bad_info = bytes;
    Elf64_Ehdr h = header(bytes);
    for (size_t i = 1; i < h.e_shnum; i++) {
        Elf64_Shdr s = section_header(bad_info, i);
        if (s.sh_type != SHT_REL) continue;
        s.sh_info = 999;
        std::memcpy(bad_info.data() + h.e_shoff + i * sizeof(s), &s, sizeof(s));
        break;
    }
    require_error(bad_info, "targets no valid section");

    // A section whose contents lie past the end of the file.
    auto past_end = bytes;
    Elf64_Shdr code = section_header(past_end, 3);
    code.sh_offset = past_end.size() - 4;
    std::memcpy(past_end.data() + h.e_shoff + 3 * sizeof(code), &code, sizeof(code));
    require_error(past_end);

    // The section name table index out of range.
    auto shstr = bytes;
    uint16_t big = 500;
    std::memcpy(shstr.data() + offsetof(Elf64_Ehdr, e_shstrndx), &big, 2);
    require_error(shstr);
}

TEST_CASE("a tiny object claiming a huge .bss is refused without allocating it") {
    // SHT_NOBITS has no bytes in the file: only sh_size claims them.
    auto bytes = elftest::program_bytes("globals");
    Elf64_Ehdr h = header(bytes);
    size_t bss_index = 0;
    for (size_t i = 1; i < h.e_shnum && bss_index == 0; i++)
        if (section_header(bytes, i).sh_type == SHT_NOBITS) bss_index = i;
    REQUIRE(bss_index != 0);
    // Above the kernel's INT_MAX limit for an array value, up to what a
    // 64-bit sh_size can claim.
    for (uint64_t claimed : {uint64_t{INT_MAX} + 1, uint64_t{3} << 30, uint64_t{1} << 40}) {
        auto huge = bytes;
        Elf64_Shdr s = section_header(huge, bss_index);
        s.sh_size = claimed;
        std::memcpy(huge.data() + h.e_shoff + bss_index * sizeof(s), &s, sizeof(s));
        INFO("sh_size " << claimed);
        auto err = try_everything(huge);
        REQUIRE(err.has_value());
        CHECK(err->code == E2BIG);
        CHECK(err->message.find(".bss") != std::string::npos);
    }
}

TEST_CASE("corrupted BTF and BTF.ext are refused") {
    auto bytes = elftest::program_bytes("core_reads");
    Elf64_Shdr btf = named_section(bytes, ".BTF");
    auto magic = bytes;
    magic[btf.sh_offset] ^= 0xff;
    require_error(magic, ".BTF");

    // Type section length larger than the blob.
    auto length = bytes;
    uint32_t huge = 0x7fffffff;
    std::memcpy(length.data() + btf.sh_offset + 12, &huge, 4);
    require_error(length, ".BTF");

    Elf64_Shdr ext = named_section(bytes, ".BTF.ext");
    auto ext_magic = bytes;
    ext_magic[ext.sh_offset] ^= 0xff;
    require_error(ext_magic, ".BTF.ext");

    // A func_info record size of 3.
    auto rec = bytes;
    uint32_t hdr_len, func_off;
    std::memcpy(&hdr_len, rec.data() + ext.sh_offset + 4, 4);
    std::memcpy(&func_off, rec.data() + ext.sh_offset + 8, 4);
    uint32_t three = 3;
    std::memcpy(rec.data() + ext.sh_offset + hdr_len + func_off, &three, 4);
    require_error(rec, "func_info");
}

TEST_CASE("random damage never crashes the loader") {
    std::mt19937 rng(1234);
    for (const char *name : {"globals", "maps_calls", "core_reads"}) {
        auto bytes = elftest::program_bytes(name);
        std::uniform_int_distribution<size_t> pos(0, bytes.size() - 1);
        std::uniform_int_distribution<int> value(0, 255), count(1, 8);
        size_t failures = 0;
        for (int round = 0; round < 400; round++) {
            auto damaged = bytes;
            for (int k = count(rng); k > 0; k--)
                damaged[pos(rng)] = static_cast<uint8_t>(value(rng));
            auto err = try_everything(damaged);
            if (err) {
                failures++;
                CHECK(err->code > 0);
                CHECK_FALSE(err->message.empty());
            }
        }
        INFO(name << ": " << failures << " of 400 damaged objects refused");
        CHECK(failures > 0);
    }
}
