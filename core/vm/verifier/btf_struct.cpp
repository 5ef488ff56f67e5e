#include "core/vm/verifier/btf_struct.h"

#include <cstddef>
#include <string_view>

#include "core/btf/kernel_types.h"
#include "core/vm/verifier/verifier.h"

namespace bpffs::vm::verifier {
namespace {

struct Structs {
    BtfStruct seq_file{"seq_file", sizeof(kview::seq_file), {}};
    BtfStruct meta{"bpf_iter_meta", sizeof(kview::bpf_iter_meta), {}};
    BtfStruct map{"bpf_map", sizeof(kview::bpf_map), {}};
    BtfStruct prog{"bpf_prog", sizeof(kview::bpf_prog), {}};
    BtfStruct aux{"bpf_prog_aux", sizeof(kview::bpf_prog_aux), {}};
    BtfStruct link{"bpf_link", sizeof(kview::bpf_link), {}};

    Structs() {
        meta.pointers = {{offsetof(kview::bpf_iter_meta, seq), &seq_file}};
        prog.pointers = {{offsetof(kview::bpf_prog, aux), &aux}};
        aux.pointers = {{offsetof(kview::bpf_prog_aux, attach_func_name), nullptr},
                        {offsetof(kview::bpf_prog_aux, dst_prog), &prog}};
        link.pointers = {{offsetof(kview::bpf_link, prog), &prog}};
    }
};

const Structs &structs() {
    static const Structs s;
    return s;
}

}  // namespace

const BtfStruct *find_btf_struct(std::string_view name) {
    const Structs &s = structs();
    for (const BtfStruct *b : {&s.seq_file, &s.meta, &s.map, &s.prog, &s.aux, &s.link})
        if (b->name == name) return b;
    return nullptr;
}

}  // namespace bpffs::vm::verifier
