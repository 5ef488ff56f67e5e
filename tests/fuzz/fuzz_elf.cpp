// Fuzz target: the client-side ELF object loader (core/elf): parsing the
// object, its maps, programs, .BTF and .BTF.ext, then relocating it (map
// fds and CO-RE against the daemon's own BTF) as bpffs_object_load does.
// Malformed objects must fail with an error, never crash.
#include <gelf.h>
#include <libelf.h>

#include "core/btf/btf.h"
#include "core/btf/daemon_btf.h"
#include "core/elf/loader.h"
#include "tests/fuzz/fuzz_target.h"

using namespace bpffs;

namespace {

// The target BTF of CO-RE relocations, parsed once (it is our own, valid).
const btf::Btf *daemon_btf() {
    static auto parsed = btf::Btf::parse(btf::daemon_btf_raw());
    return parsed ? &*parsed : nullptr;
}

// A .bss section costs no file bytes but becomes a zero-filled initial
// value of its size (up to 4 GiB, as an array map value may be): a 100-byte
// input could make the loader allocate gigabytes, which libFuzzer reports as
// out-of-memory. Such inputs are left out; every smaller size is fuzzed.
constexpr uint64_t kMaxNobitsSize = 64u << 20;

bool claims_huge_bss(const uint8_t *data, size_t size) {
    elf_version(EV_CURRENT);
    Elf *e = elf_memory(reinterpret_cast<char *>(const_cast<uint8_t *>(data)), size);
    if (e == nullptr) return false;
    bool huge = false;
    for (Elf_Scn *scn = elf_nextscn(e, nullptr); scn != nullptr && !huge;
         scn = elf_nextscn(e, scn)) {
        GElf_Shdr shdr;
        if (gelf_getshdr(scn, &shdr) != nullptr && shdr.sh_type == SHT_NOBITS &&
            shdr.sh_size > kMaxNobitsSize)
            huge = true;
    }
    elf_end(e);
    return huge;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (claims_huge_bss(data, size)) return 0;
    auto spec = elf::load_object({data, size}, "fuzz.bpf.o");
    if (!spec) return 0;
    // The fds a client would have got for the object's maps.
    std::vector<int> map_fds;
    for (size_t i = 0; i < spec->maps.size(); ++i)
        map_fds.push_back(static_cast<int>(3 + i));
    (void)elf::relocate(*spec, map_fds, daemon_btf());
    return 0;
}
