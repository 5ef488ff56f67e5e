// Fuzz target: the client-side ELF object loader (core/elf): parsing the
// object, its maps, programs, .BTF and .BTF.ext, then relocating it (map
// fds and CO-RE against the daemon's own BTF) as bpffs_object_load does.
// Malformed objects must fail with an error, never crash.
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    auto spec = elf::load_object({data, size}, "fuzz.bpf.o");
    if (!spec) return 0;
    // The fds a client would have got for the object's maps.
    std::vector<int> map_fds;
    for (size_t i = 0; i < spec->maps.size(); ++i)
        map_fds.push_back(static_cast<int>(3 + i));
    (void)elf::relocate(*spec, map_fds, daemon_btf());
    return 0;
}
