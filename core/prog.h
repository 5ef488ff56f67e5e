// The program object: a loaded eBPF program, as BPF_PROG_LOAD creates it.
//
// It owns the instructions as the daemon runs them (after load-time
// resolution: "xlated"), the pre-decoded vm::Program, the maps it uses (held
// for its lifetime), and the views that iterator programs read through
// `struct bpf_prog` / `struct bpf_prog_aux` (core/btf/kernel_types.h).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/btf/kernel_types.h"
#include "core/map.h"
#include "core/object.h"
#include "core/result.h"
#include "core/vm/program.h"
#include "core/vm/verifier/verifier.h"

namespace bpffs {

// The attributes of PROG_LOAD that bpffsd implements.
struct ProgSpec {
    uint32_t prog_type = 0;             // enum bpf_prog_type (BPF_PROG_TYPE_TRACING for iterators)
    uint32_t expected_attach_type = 0;  // enum bpf_attach_type (BPF_TRACE_ITER)
    std::string name;                   // at most BPF_OBJ_NAME_LEN - 1 characters
    std::string attach_target;          // iterator target name ("bpf_map_elem"), from attach_btf_id
    std::string license;
    uint32_t prog_flags = 0;
    uint32_t btf_id = 0;                // the program's own BTF object (0: none)
    std::shared_ptr<const Object> btf;  // that object, held for the program's lifetime
    // struct bpf_func_info / bpf_line_info records as loaded, for info by fd.
    uint32_t func_info_rec_size = 0;
    std::vector<uint8_t> func_info;
    uint32_t line_info_rec_size = 0;
    std::vector<uint8_t> line_info;
    uid_t uid = 0;  // who loaded it
};

class Prog : public Object {
  public:
    // Builds a program from instructions whose 64-bit immediates were
    // already resolved by options.resolver. Not yet published (no id).
    static Result<std::shared_ptr<Prog>> create(const ProgSpec &spec, std::vector<vm::Insn> insns,
                                                const vm::LoadOptions &options);
    // The same, proven safe first by the verifier in env (its maps, license
    // and helpers are filled in here). verdict receives the log and what
    // the verifier recorded, whether or not the program was accepted.
    static Result<std::shared_ptr<Prog>> create_verified(const ProgSpec &spec,
                                                         std::vector<vm::Insn> insns,
                                                         const vm::LoadOptions &options,
                                                         vm::verifier::ProgramEnv env,
                                                         vm::verifier::Verdict &verdict);

    // The kernel's bpf_prog_calc_tag over instructions as the loader sent them.
    static std::array<uint8_t, 8> compute_tag(std::span<const vm::Insn> insns);
    // Whether the kernel's license_is_gpl_compatible() accepts license.
    static bool license_is_gpl_compatible(std::string_view license);

    const ProgSpec &spec() const { return spec_; }
    const std::string &name() const { return spec_.name; }
    bool gpl_compatible() const;
    const vm::Program &program() const { return program_; }
    // Whether the verifier accepted the program (else it runs bounds-checked).
    bool verified() const { return verified_; }
    // Instructions the verifier processed (bpf_prog_info.verified_insns).
    uint32_t verified_insns() const { return verified_insns_; }
    // Largest offset + size accessed through an iterator's read-only (key)
    // and read-write (value) buffers, as the verifier recorded them.
    uint32_t max_rdonly_access() const { return max_rdonly_access_; }
    uint32_t max_rdwr_access() const { return max_rdwr_access_; }
    // The instructions as the daemon runs them (bpftool's "xlated").
    const std::vector<vm::Insn> &xlated() const { return program_.insns(); }
    // The kernel's tag: the first 8 bytes of the SHA-256 (Linux >= 6.18; SHA-1
    // before) of the instructions
    // with map references blanked.
    const std::array<uint8_t, 8> &tag() const { return tag_; }
    uint64_t load_time_ns() const { return load_time_ns_; }
    // Ids of the maps the program uses, in first-use order.
    std::vector<uint32_t> map_ids() const;
    // The instructions as OBJ_GET_INFO_BY_FD reports them: map references
    // carry the map's id instead of the loader's fd (and the value offset
    // in the second half), as the kernel's bpf_insn_prepare_dump does.
    std::vector<vm::Insn> xlated_for_dump() const;

    // The view iterator programs read (struct bpf_prog and its aux). Ids
    // are filled in when the program is published.
    const kview::bpf_prog *view() const;

  private:
    // A resolved 64-bit immediate that refers to a map.
    struct MapRef {
        size_t index = 0;  // of the LDDW
        const Map *map = nullptr;
        uint32_t value_offset = 0;
    };

    Prog(const ProgSpec &spec, vm::Program program);
    // create() without the GPL-only helper check (create_verified leaves it
    // to the verifier, which logs it as the kernel does).
    static Result<std::shared_ptr<Prog>> build(const ProgSpec &spec, std::vector<vm::Insn> insns,
                                               const vm::LoadOptions &options);

    ProgSpec spec_;
    std::vector<MapRef> map_refs_;
    vm::Program program_;
    std::array<uint8_t, 8> tag_{};
    uint64_t load_time_ns_ = 0;
    bool verified_ = false;
    uint32_t verified_insns_ = 0;
    uint32_t max_rdonly_access_ = 0;
    uint32_t max_rdwr_access_ = 0;
    mutable kview::bpf_prog view_{};
    mutable kview::bpf_prog_aux aux_view_{};
};

}  // namespace bpffs
