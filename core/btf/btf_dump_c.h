// BTF as compilable C declarations, in the order and spelling of libbpf's
// btf_dump (what `bpftool btf dump ... format c` prints between its
// vmlinux.h guards), so that headers generated from bpffsd's BTF and from the
// kernel's compare byte for byte.
//
// Each dump_type() call emits one type together with every type it depends
// on that an earlier call did not emit yet: definitions in dependency order,
// forward declarations where a pointer breaks a cycle, anonymous types
// inline, repeated names made unique with a ___N suffix. Functions, variables,
// data sections and declaration tags have no C type definition and print
// nothing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/btf/btf.h"
#include "core/btf/btf_layout.h"
#include "core/result.h"

namespace bpffs::btf {

class CDumper {
  public:
    // Appends to `out`, which must outlive the dumper.
    CDumper(const Btf &btf, uint32_t pointer_size, std::string &out);

    // Errors: EINVAL for an id past the last type or a kind with no C
    // spelling; ELOOP for a cycle C cannot express (a struct embedding
    // itself, an anonymous struct reached again through a pointer). What was
    // emitted before the error stays in `out`.
    Status dump_type(uint32_t id);

    // What libbpf would have warned about (without its "libbpf: " prefix),
    // one line each: types that could not be spelled and were skipped.
    const std::vector<std::string> &warnings() const { return warnings_; }

  private:
    enum class State : uint8_t { kNone, kInProgress, kDone };
    struct TypeState {
        State order = State::kNone;
        State emit = State::kNone;
        bool fwd_emitted = false;
        bool name_resolved = false;
        bool referenced = false;  // named as a part of some other type
        std::string unique_name;  // set when the name needed a ___N suffix
    };
    // A chain of type ids from a declaration's outermost type to its base.
    using DeclStack = std::vector<uint32_t>;

    void mark_referenced();
    int order(uint32_t id, bool through_ptr);
    void emit(uint32_t id, uint32_t container_id);

    void emit_struct_fwd(uint32_t id);
    void emit_struct_def(uint32_t id, int lvl);
    void emit_padding(int64_t cur_off, int64_t next_off, uint32_t next_align, bool in_bitfield,
                      int lvl);
    void emit_enum_def(uint32_t id, int lvl);
    void emit_fwd_def(uint32_t id);
    void emit_typedef_def(uint32_t id, int lvl);
    void emit_missing_alias(uint32_t id);

    void emit_decl(uint32_t id, std::string_view field_name, int lvl);
    void emit_chain(const DeclStack &stack, size_t &count, std::string_view field_name, int lvl);
    void emit_mods(const DeclStack &stack, size_t &count);
    void drop_mods(const DeclStack &stack, size_t &count);
    void emit_name(std::string_view name, bool last_was_ptr);

    std::string_view type_name(uint32_t id) { return resolve_name(id, false); }
    std::string_view ident_name(uint32_t id) { return resolve_name(id, true); }
    std::string_view resolve_name(uint32_t id, bool ident);
    size_t count_name(bool ident, std::string_view name);

    void put(std::string_view s) { out_ += s; }
    void indent(int lvl);
    bool enter();  // false once nesting is deeper than any sane type graph
    void leave() { --depth_; }
    void warn(std::string message);

    const Btf &btf_;
    Layout layout_;
    std::string &out_;
    std::vector<TypeState> states_;
    std::vector<uint32_t> queue_;
    std::unordered_map<std::string, size_t> type_names_;   // struct/union/enum tags
    std::unordered_map<std::string, size_t> ident_names_;  // typedefs and enumerators
    std::vector<std::string> warnings_;
    uint32_t depth_ = 0;
    bool too_deep_ = false;
};

}  // namespace bpffs::btf
