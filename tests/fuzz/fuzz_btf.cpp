// Fuzz target: the BTF parser and validator (core/btf). Any blob either
// fails to parse with an error, or parses into types whose every query
// (sizes, modifier chains, names) answers without crashing or looping.
#include "core/btf/btf.h"
#include "tests/fuzz/fuzz_target.h"

using namespace bpffs;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    auto parsed = btf::Btf::parse({data, size});
    if (!parsed) return 0;
    const btf::Btf &b = *parsed;
    for (uint32_t id = 0; id <= b.type_count(); ++id) {
        (void)b.resolve_size(id);
        (void)b.skip_modifiers(id);
        const btf::Type &t = b.type(id);
        (void)b.find(t.name, t.kind);
    }
    return 0;
}
