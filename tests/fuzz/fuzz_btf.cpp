// Fuzz target: the BTF parser and validator (core/btf). Any blob either
// fails to parse with an error, or parses into types whose every query
// (sizes, modifier chains, names) answers without crashing or looping, and
// whose every sized type renders (btf_show, as `cat` of a map would) over
// zeroed and patterned data.
#include <vector>

#include "core/btf/btf.h"
#include "core/btf/btf_show.h"
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
        auto size = b.resolve_size(id);
        if (!size || *size > 4096) continue;
        for (uint8_t fill : {0x00, 0xab}) {
            std::vector<uint8_t> data(*size + 16, fill);
            std::string out;
            btf::show_type(b, id, data.data(), btf::kShowSeqFlags, out, {}, 1 << 20);
            out.clear();
            btf::show_type(b, id, data.data(), btf::kShowUnsafe, out, {}, 1 << 20);
        }
    }
    return 0;
}
