// An ELF relocatable object for the BPF target, as clang -target bpf writes
// it: checked to be ELF64, little-endian, EM_BPF and ET_REL, then decoded
// with libelf into plain tables (sections, symbols, relocations) that own
// their bytes. Hostile input gives an Error with a sentence, never a crash:
// every index and offset is checked before use.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace bpffs::elf {

struct Section {
    size_t index = 0;
    std::string name;
    uint32_t type = 0;   // SHT_*
    uint64_t flags = 0;  // SHF_*
    uint64_t size = 0;   // also for SHT_NOBITS, which has no bytes
    uint32_t link = 0;
    uint32_t info = 0;
    std::vector<uint8_t> data;  // empty for SHT_NOBITS

    bool executable() const;
};

struct Symbol {
    std::string name;
    uint64_t value = 0;
    uint64_t size = 0;
    uint8_t bind = 0;  // STB_*
    uint8_t type = 0;  // STT_*
    uint16_t shndx = 0;
};

// One SHT_REL entry (BPF objects carry no addends: they live in the code).
struct Relocation {
    uint64_t offset = 0;  // in the target section
    uint32_t type = 0;    // R_BPF_*
    uint32_t symbol = 0;  // index into symbols()
};

class ObjectFile {
  public:
    // Decodes an object from memory (the bytes are copied) or from a path.
    static Result<ObjectFile> parse(std::span<const uint8_t> bytes);
    static Result<ObjectFile> open(const std::string &path);

    const std::vector<Section> &sections() const { return sections_; }
    const Section *section(size_t index) const;
    const Section *find_section(std::string_view name) const;
    const std::vector<Symbol> &symbols() const { return symbols_; }
    // Relocations that apply to the section with this index.
    std::span<const Relocation> relocations_for(size_t section_index) const;

  private:
    std::vector<Section> sections_;
    std::vector<Symbol> symbols_;
    std::vector<std::vector<Relocation>> relocations_;  // by target section index
};

}  // namespace bpffs::elf
