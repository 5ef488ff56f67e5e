#include <gelf.h>
#include <catch2/catch.hpp>

#include "core/elf/object_file.h"
#include "test_objects.h"

using namespace bpffs::elf;

TEST_CASE("a clang object decodes into sections, symbols and relocations") {
    auto obj = ObjectFile::parse(elftest::program_bytes("globals"));
    REQUIRE(obj.has_value());
    const Section *code = obj->find_section("iter/bpf_map");
    REQUIRE(code != nullptr);
    CHECK(code->executable());
    CHECK(code->data.size() == code->size);
    CHECK(code->size % sizeof(bpf_insn) == 0);

    const Section *bss = obj->find_section(".bss");
    REQUIRE(bss != nullptr);
    CHECK(bss->type == SHT_NOBITS);
    CHECK(bss->data.empty());
    CHECK(bss->size == 8);

    bool found = false;
    for (const Symbol &s : obj->symbols())
        if (s.name == "dump_maps") {
            found = true;
            CHECK(s.type == STT_FUNC);
            CHECK(s.bind == STB_GLOBAL);
            CHECK(s.shndx == code->index);
            CHECK(s.size == code->size);
        }
    CHECK(found);

    auto relocs = obj->relocations_for(code->index);
    REQUIRE(relocs.size() == 9);  // legacy map, 7 data references, one string literal
    for (const Relocation &r : relocs) {
        CHECK(r.type == 1);  // R_BPF_64_64
        CHECK(r.offset < code->size);
        CHECK(r.symbol < obj->symbols().size());
    }
    CHECK(obj->relocations_for(12345).empty());
}

TEST_CASE("opening by path works and a missing file is ENOENT") {
    auto missing = ObjectFile::open("/nonexistent/x.bpf.o");
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().code == ENOENT);
    CHECK(missing.error().message.find("/nonexistent/x.bpf.o") != std::string::npos);
}
