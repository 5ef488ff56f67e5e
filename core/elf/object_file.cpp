#include "core/elf/object_file.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <linux/bpf.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#ifndef EM_BPF
#define EM_BPF 247
#endif

namespace bpffs::elf {

namespace {

// Owns a libelf handle for the duration of one parse.
class ElfHandle {
  public:
    explicit ElfHandle(Elf *elf) : elf_(elf) {}
    ~ElfHandle() {
        if (elf_) elf_end(elf_);
    }
    ElfHandle(const ElfHandle &) = delete;
    ElfHandle &operator=(const ElfHandle &) = delete;
    Elf *get() const { return elf_; }

  private:
    Elf *elf_;
};

tl::unexpected<Error> bad_elf(const std::string &what) {
    return fail(EINVAL, "not a valid BPF object: " + what);
}

std::string libelf_reason() {
    const char *msg = elf_errmsg(-1);
    return msg ? msg : "unknown libelf error";
}

Status check_header(Elf *elf, size_t file_size) {
    if (elf_kind(elf) != ELF_K_ELF) return bad_elf("the file is not ELF");
    size_t ident_size = 0;
    const char *ident = elf_getident(elf, &ident_size);
    if (!ident || ident_size < EI_NIDENT) return bad_elf("the ELF identification is truncated");
    if (ident[EI_CLASS] != ELFCLASS64) return bad_elf("it is not ELF64");
    if (ident[EI_DATA] != ELFDATA2LSB) return bad_elf("it is not little-endian");
    GElf_Ehdr ehdr;
    if (!gelf_getehdr(elf, &ehdr))
        return bad_elf("the ELF header is unreadable (" + libelf_reason() + ")");
    if (ehdr.e_machine != EM_BPF)
        return bad_elf("e_machine is " + std::to_string(ehdr.e_machine) + ", not EM_BPF (247)");
    if (ehdr.e_type != ET_REL) return bad_elf("it is not a relocatable object (ET_REL)");
    if (ehdr.e_shoff > file_size) return bad_elf("the section header table lies past the end");
    return ok();
}

Result<Section> read_section(Elf *elf, Elf_Scn *scn, size_t shstrndx, size_t file_size) {
    GElf_Shdr shdr;
    if (!gelf_getshdr(scn, &shdr)) return bad_elf("a section header is unreadable");
    Section s;
    s.index = elf_ndxscn(scn);
    const char *name = elf_strptr(elf, shstrndx, shdr.sh_name);
    if (!name) return bad_elf("section " + std::to_string(s.index) + " has an invalid name offset");
    s.name = name;
    s.type = shdr.sh_type;
    s.flags = shdr.sh_flags;
    s.size = shdr.sh_size;
    s.link = shdr.sh_link;
    s.info = shdr.sh_info;
    if (s.type == SHT_NOBITS || s.type == SHT_NULL || s.size == 0) return s;
    if (shdr.sh_offset > file_size || file_size - shdr.sh_offset < shdr.sh_size)
        return bad_elf("section '" + s.name + "' lies past the end of the file");
    Elf_Data *data = elf_rawdata(scn, nullptr);
    if (!data || (data->d_size != 0 && !data->d_buf))
        return bad_elf("section '" + s.name + "' is unreadable (" + libelf_reason() + ")");
    if (data->d_size != s.size) return bad_elf("section '" + s.name + "' has an inconsistent size");
    const auto *bytes = static_cast<const uint8_t *>(data->d_buf);
    s.data.assign(bytes, bytes + data->d_size);
    return s;
}

Result<std::vector<Symbol>> read_symbols(Elf *elf, const Section &symtab, size_t nsections) {
    if (symtab.data.size() % sizeof(Elf64_Sym) != 0)
        return bad_elf("the symbol table size is not a multiple of a symbol");
    if (symtab.link == 0 || symtab.link >= nsections)
        return bad_elf("the symbol table links to no string table");
    std::vector<Symbol> symbols;
    size_t count = symtab.data.size() / sizeof(Elf64_Sym);
    symbols.reserve(count);
    for (size_t i = 0; i < count; i++) {
        Elf64_Sym raw;
        std::memcpy(&raw, symtab.data.data() + i * sizeof(raw), sizeof(raw));
        Symbol sym;
        const char *name = elf_strptr(elf, symtab.link, raw.st_name);
        if (!name) return bad_elf("symbol " + std::to_string(i) + " has an invalid name offset");
        sym.name = name;
        sym.value = raw.st_value;
        sym.size = raw.st_size;
        sym.bind = GELF_ST_BIND(raw.st_info);
        sym.type = GELF_ST_TYPE(raw.st_info);
        sym.shndx = raw.st_shndx;
        if (sym.shndx != SHN_UNDEF && sym.shndx < SHN_LORESERVE && sym.shndx >= nsections)
            return bad_elf("symbol '" + sym.name + "' names a section that does not exist");
        symbols.push_back(std::move(sym));
    }
    return symbols;
}

Status read_relocations(const Section &rel, size_t nsections, size_t nsymbols,
                        std::vector<std::vector<Relocation>> &out) {
    if (rel.info == 0 || rel.info >= nsections)
        return bad_elf("relocation section '" + rel.name + "' targets no valid section");
    if (rel.data.size() % sizeof(Elf64_Rel) != 0)
        return bad_elf("relocation section '" + rel.name + "' has a truncated entry");
    size_t count = rel.data.size() / sizeof(Elf64_Rel);
    for (size_t i = 0; i < count; i++) {
        Elf64_Rel raw;
        std::memcpy(&raw, rel.data.data() + i * sizeof(raw), sizeof(raw));
        Relocation r{raw.r_offset, static_cast<uint32_t>(GELF_R_TYPE(raw.r_info)),
                     static_cast<uint32_t>(GELF_R_SYM(raw.r_info))};
        if (r.symbol >= nsymbols)
            return bad_elf("relocation " + std::to_string(i) + " of '" + rel.name +
                           "' names symbol " + std::to_string(r.symbol) + ", which does not exist");
        out[rel.info].push_back(r);
    }
    return ok();
}

}  // namespace

bool Section::executable() const {
    return type == SHT_PROGBITS && (flags & SHF_EXECINSTR);
}

Result<ObjectFile> ObjectFile::parse(std::span<const uint8_t> bytes) {
    if (elf_version(EV_CURRENT) == EV_NONE) return fail(EINVAL, "libelf is out of date");
    if (bytes.size() < sizeof(Elf64_Ehdr)) return bad_elf("the file is shorter than an ELF header");
    // libelf wants a mutable image; it must outlive the handle.
    std::vector<char> image(bytes.begin(), bytes.end());
    ElfHandle elf(elf_memory(image.data(), image.size()));
    if (!elf.get()) return bad_elf(libelf_reason());
    if (auto st = check_header(elf.get(), image.size()); !st) return tl::unexpected(st.error());

    size_t nsections = 0, shstrndx = 0;
    if (elf_getshdrnum(elf.get(), &nsections) != 0 || elf_getshdrstrndx(elf.get(), &shstrndx) != 0)
        return bad_elf("the section header table is unreadable (" + libelf_reason() + ")");
    if (shstrndx >= nsections) return bad_elf("the section name table index is out of range");

    ObjectFile obj;
    obj.sections_.resize(nsections);
    for (Elf_Scn *scn = elf_nextscn(elf.get(), nullptr); scn; scn = elf_nextscn(elf.get(), scn)) {
        auto s = read_section(elf.get(), scn, shstrndx, image.size());
        if (!s) return tl::unexpected(s.error());
        if (s->index >= nsections) return bad_elf("a section index is out of range");
        obj.sections_[s->index] = std::move(*s);
    }
    const Section *symtab = nullptr;
    for (const Section &s : obj.sections_) {
        if (s.type != SHT_SYMTAB) continue;
        if (symtab) return bad_elf("it has more than one symbol table");
        symtab = &s;
    }
    if (!symtab) return bad_elf("it has no symbol table");
    auto symbols = read_symbols(elf.get(), *symtab, nsections);
    if (!symbols) return tl::unexpected(symbols.error());
    obj.symbols_ = std::move(*symbols);

    obj.relocations_.resize(nsections);
    for (const Section &s : obj.sections_) {
        if (s.type == SHT_RELA) return bad_elf("section '" + s.name + "' uses RELA, BPF uses REL");
        if (s.type != SHT_REL) continue;
        if (s.link != symtab->index)
            return bad_elf("relocation section '" + s.name + "' uses another symbol table");
        if (auto st = read_relocations(s, nsections, obj.symbols_.size(), obj.relocations_); !st)
            return tl::unexpected(st.error());
    }
    return obj;
}

Result<ObjectFile> ObjectFile::open(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(ENOENT, "cannot open BPF object '" + path + "': " + std::strerror(errno));
    std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in),
                               std::istreambuf_iterator<char>()};
    if (in.bad()) return fail(EIO, "cannot read BPF object '" + path + "'");
    return parse(bytes);
}

const Section *ObjectFile::section(size_t index) const {
    return index < sections_.size() ? &sections_[index] : nullptr;
}

const Section *ObjectFile::find_section(std::string_view name) const {
    for (const Section &s : sections_)
        if (s.index != 0 && s.name == name) return &s;
    return nullptr;
}

std::span<const Relocation> ObjectFile::relocations_for(size_t section_index) const {
    if (section_index >= relocations_.size()) return {};
    return relocations_[section_index];
}

}  // namespace bpffs::elf
