#include "core/btf/btf_dump_c.h"

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>

namespace bpffs::btf {

namespace {

// Indentation is capped, as libbpf's is, at this many tabs.
constexpr int kMaxIndent = 13;
// Nesting of the recursive walks (ordering, emission, declarations). Real
// type graphs stay far below it; only cycles through pointers that C cannot
// express reach it.
constexpr uint32_t kMaxDepth = 2000;
// libbpf formats a deduplicated name into a buffer of this size.
constexpr size_t kMaxUniqueName = 255;

bool is_composite(const Type &t) {
    return t.kind == BTF_KIND_STRUCT || t.kind == BTF_KIND_UNION;
}

bool is_modifier(const Type &t) {
    return t.kind == BTF_KIND_VOLATILE || t.kind == BTF_KIND_CONST || t.kind == BTF_KIND_RESTRICT ||
           t.kind == BTF_KIND_TYPE_TAG;
}

// A compiler built-in: declaring it again breaks compilation with another
// compiler than the one that produced the BTF.
bool is_builtin(const Type &t) {
    return t.name == "__builtin_va_list";
}

int64_t round_up(int64_t value, int64_t to) {
    return to <= 0 ? value : (value + to - 1) / to * to;
}

std::string format_enumerator(const Type &t, const EnumValue &e) {
    char buf[64];
    if (t.kind == BTF_KIND_ENUM) {
        if (t.kflag)
            snprintf(buf, sizeof buf, "%d", static_cast<int32_t>(e.value));
        else
            snprintf(buf, sizeof buf, "%u", static_cast<uint32_t>(e.value));
    } else if (t.kflag) {
        snprintf(buf, sizeof buf, "%" PRId64 "LL", e.value);
    } else {
        snprintf(buf, sizeof buf, "%" PRIu64 "ULL", static_cast<uint64_t>(e.value));
    }
    return buf;
}

}  // namespace

CDumper::CDumper(const Btf &btf, uint32_t pointer_size, std::string &out)
    : btf_(btf), layout_(btf, pointer_size), out_(out), states_(btf.type_count() + 1) {
    // void needs no definition.
    states_[0].order = State::kDone;
    states_[0].emit = State::kDone;
    mark_referenced();
}

// Anonymous enums come two ways: inline in a member's declaration (referenced
// by the struct) or at top level, declaring constants (referenced by nothing).
// Only the latter are emitted on their own.
void CDumper::mark_referenced() {
    for (uint32_t id = 1; id <= btf_.type_count(); id++) {
        const Type &t = btf_.type(id);
        switch (t.kind) {
            case BTF_KIND_VOLATILE:
            case BTF_KIND_CONST:
            case BTF_KIND_RESTRICT:
            case BTF_KIND_PTR:
            case BTF_KIND_TYPEDEF:
            case BTF_KIND_FUNC:
            case BTF_KIND_VAR:
            case BTF_KIND_DECL_TAG:
            case BTF_KIND_TYPE_TAG:
                states_[t.type].referenced = true;
                break;
            case BTF_KIND_ARRAY:
                states_[t.array_index].referenced = true;
                states_[t.array_elem].referenced = true;
                break;
            case BTF_KIND_STRUCT:
            case BTF_KIND_UNION:
                for (const Member &m : t.members)
                    states_[m.type].referenced = true;
                break;
            case BTF_KIND_FUNC_PROTO:
                for (const Param &p : t.params)
                    states_[p.type].referenced = true;
                break;
            case BTF_KIND_DATASEC:
                for (const VarSecInfo &v : t.secinfos)
                    states_[v.type].referenced = true;
                break;
            default:
                break;
        }
    }
}

Status CDumper::dump_type(uint32_t id) {
    if (id > btf_.type_count())
        return fail(EINVAL, "BTF type id " + std::to_string(id) + " does not exist");
    queue_.clear();
    int err = order(id, false);
    if (too_deep_) return fail(ELOOP, "BTF types nest too deeply (a cycle through pointers?)");
    if (err < 0)
        return fail(-err, err == -ELOOP ? "BTF type cycle that C cannot express"
                                        : "BTF type kind that C cannot express");
    for (uint32_t queued : queue_)
        emit(queued, 0);
    if (too_deep_) return fail(ELOOP, "BTF types nest too deeply (a cycle through pointers?)");
    return ok();
}

bool CDumper::enter() {
    if (too_deep_ || depth_ >= kMaxDepth) {
        too_deep_ = true;
        return false;
    }
    ++depth_;
    return true;
}

void CDumper::warn(std::string message) {
    warnings_.push_back(std::move(message));
}

void CDumper::indent(int lvl) {
    out_.append(static_cast<size_t>(std::min(lvl, kMaxIndent)), '\t');
}

// Topological order of definitions. A type Y needed by X is a strong
// dependency (Y must be complete before X) unless the path from X to Y passes
// through a pointer and reaches a named type, which a forward declaration
// can stand for. Returns 1 for strong, 0 for weak, or a negative errno.
// Definitions (named structs, unions, enums, typedefs, forward declarations
// and top-level anonymous enums) are queued once all they need is queued.
int CDumper::order(uint32_t id, bool through_ptr) {
    if (!enter()) return -ELOOP;
    struct Leave {
        CDumper *d;
        ~Leave() { d->leave(); }
    } leave_guard{this};

    TypeState &ts = states_[id];
    if (ts.order == State::kDone) return 1;
    const Type &t = btf_.type(id);
    if (ts.order == State::kInProgress) {
        // A loop, which a forward declaration resolves only when reached
        // through a pointer at a named struct or union.
        if (is_composite(t) && through_ptr && !t.name.empty()) return 0;
        warn("unsatisfiable type cycle, id:[" + std::to_string(id) + "]");
        return -ELOOP;
    }
    switch (t.kind) {
        case BTF_KIND_INT:
        case BTF_KIND_FLOAT:
            ts.order = State::kDone;
            return 0;
        case BTF_KIND_PTR: {
            int err = order(t.type, true);
            ts.order = State::kDone;
            return err;
        }
        case BTF_KIND_ARRAY:
            return order(t.array_elem, false);
        case BTF_KIND_STRUCT:
        case BTF_KIND_UNION:
            // Part of a strong link only when embedded or anonymous (an
            // anonymous one is defined inline even behind a pointer).
            if (through_ptr && !t.name.empty()) return 0;
            ts.order = State::kInProgress;
            for (const Member &m : t.members) {
                int err = order(m.type, false);
                if (err < 0) return err;
            }
            if (!t.name.empty()) queue_.push_back(id);
            ts.order = State::kDone;
            return 1;
        case BTF_KIND_ENUM:
        case BTF_KIND_ENUM64:
        case BTF_KIND_FWD:
            if (!t.name.empty() || !ts.referenced) queue_.push_back(id);
            ts.order = State::kDone;
            return 1;
        case BTF_KIND_TYPEDEF: {
            int strong = order(t.type, through_ptr);
            if (strong < 0) return strong;
            // Like a struct: behind a pointer it can wait.
            if (through_ptr && strong == 0) return 0;
            queue_.push_back(id);
            ts.order = State::kDone;
            return 1;
        }
        case BTF_KIND_VOLATILE:
        case BTF_KIND_CONST:
        case BTF_KIND_RESTRICT:
        case BTF_KIND_TYPE_TAG:
            return order(t.type, through_ptr);
        case BTF_KIND_FUNC_PROTO: {
            int err = order(t.type, through_ptr);
            if (err < 0) return err;
            bool strong = err > 0;
            for (const Param &p : t.params) {
                err = order(p.type, through_ptr);
                if (err < 0) return err;
                strong = strong || err > 0;
            }
            return strong ? 1 : 0;
        }
        case BTF_KIND_FUNC:
        case BTF_KIND_VAR:
        case BTF_KIND_DATASEC:
        case BTF_KIND_DECL_TAG:
            ts.order = State::kDone;
            return 0;
        default:
            return -EINVAL;
    }
}

// Emits a queued definition (container_id 0) or makes sure what a
// definition being emitted refers to is declared: a forward declaration
// for a named struct seen while it is still being emitted, nothing for the
// struct a member points back to.
void CDumper::emit(uint32_t id, uint32_t container_id) {
    if (!enter()) return;
    struct Leave {
        CDumper *d;
        ~Leave() { d->leave(); }
    } leave_guard{this};

    TypeState &ts = states_[id];
    const bool top_level = container_id == 0;
    if (ts.emit == State::kDone) return;
    const Type &t = btf_.type(id);

    if (ts.emit == State::kInProgress) {
        if (ts.fwd_emitted) return;
        if (is_composite(t)) {
            if (id == container_id) return;  // a member referring to its own struct
            if (t.name.empty()) {
                warn("anonymous struct/union loop, id:[" + std::to_string(id) + "]");
                return;
            }
            emit_struct_fwd(id);
            put(";\n\n");
            ts.fwd_emitted = true;
        } else if (t.kind == BTF_KIND_TYPEDEF) {
            // The typedef's definition serves pointers before its target is complete.
            if (!is_builtin(t)) {
                emit_typedef_def(id, 0);
                put(";\n\n");
            }
            ts.fwd_emitted = true;
        }
        return;
    }

    switch (t.kind) {
        case BTF_KIND_INT:
            emit_missing_alias(id);
            ts.emit = State::kDone;
            break;
        case BTF_KIND_ENUM:
        case BTF_KIND_ENUM64:
            if (top_level) {
                emit_enum_def(id, 0);
                put(";\n\n");
            }
            ts.emit = State::kDone;
            break;
        case BTF_KIND_PTR:
        case BTF_KIND_VOLATILE:
        case BTF_KIND_CONST:
        case BTF_KIND_RESTRICT:
        case BTF_KIND_TYPE_TAG:
            emit(t.type, container_id);
            break;
        case BTF_KIND_ARRAY:
            emit(t.array_elem, container_id);
            break;
        case BTF_KIND_FWD:
            emit_fwd_def(id);
            put(";\n\n");
            ts.emit = State::kDone;
            break;
        case BTF_KIND_TYPEDEF:
            ts.emit = State::kInProgress;
            emit(t.type, id);
            if (!ts.fwd_emitted && !is_builtin(t)) {
                emit_typedef_def(id, 0);
                put(";\n\n");
            }
            ts.emit = State::kDone;
            break;
        case BTF_KIND_STRUCT:
        case BTF_KIND_UNION:
            ts.emit = State::kInProgress;
            // A definition spells out its members (an anonymous struct's are
            // spelled inline in its container), so their types are declared
            // first; a named struct used by reference only needs a forward
            // declaration.
            if (top_level || t.name.empty()) {
                uint32_t members_container = t.name.empty() ? container_id : id;
                for (const Member &m : t.members)
                    emit(m.type, members_container);
            } else if (!ts.fwd_emitted && id != container_id) {
                emit_struct_fwd(id);
                put(";\n\n");
                ts.fwd_emitted = true;
            }
            if (top_level) {
                emit_struct_def(id, 0);
                put(";\n\n");
                ts.emit = State::kDone;
            } else {
                ts.emit = State::kNone;
            }
            break;
        case BTF_KIND_FUNC_PROTO:
            emit(t.type, container_id);
            for (const Param &p : t.params)
                emit(p.type, container_id);
            break;
        default:
            break;
    }
}

void CDumper::emit_struct_fwd(uint32_t id) {
    const Type &t = btf_.type(id);
    put(t.kind == BTF_KIND_STRUCT ? "struct" : "union");
    if (!t.name.empty()) put(" ");
    put(type_name(id));
}

void CDumper::emit_struct_def(uint32_t id, int lvl) {
    const Type &t = btf_.type(id);
    const bool is_struct = t.kind == BTF_KIND_STRUCT;
    const uint32_t align = layout_.align_of(id);
    const bool packed = is_struct && layout_.is_packed(id);

    emit_struct_fwd(id);
    put(" {");
    int64_t off = 0;
    bool prev_bitfield = false;
    for (const Member &m : t.members) {
        const uint32_t m_align = packed ? 1 : layout_.align_of(m.type);
        emit_padding(off, m.bit_offset, m_align, prev_bitfield && m.bitfield_size != 0, lvl + 1);
        put("\n");
        indent(lvl + 1);
        emit_decl(m.type, m.name, lvl + 1);
        if (m.bitfield_size) {
            put(": " + std::to_string(m.bitfield_size));
            off = int64_t{m.bit_offset} + m.bitfield_size;
            prev_bitfield = true;
        } else {
            // libbpf keeps the size in an int.
            int64_t size = std::max<int64_t>(0, layout_.size_of(m.type));
            off = int64_t{m.bit_offset} + int64_t{static_cast<int32_t>(size)} * 8;
            prev_bitfield = false;
        }
        put(";");
    }
    if (is_struct) emit_padding(off, int64_t{t.size} * 8, align, false, lvl + 1);
    // An empty struct stays on one line: `struct empty {}`.
    if (!t.members.empty() || t.size != 0) {
        put("\n");
        indent(lvl);
    }
    put("}");
    if (packed) put(" __attribute__((packed))");
}

// Fills the gap between the end of the previous member (cur_off, in bits)
// and the next one with unnamed bitfields, relying on natural alignment where
// it produces the same layout: the widest of long, int, short, char that
// reaches an aligned boundary inside the gap is used throughout, with a
// `type: 0` marker where the compiler would otherwise not align to it.
void CDumper::emit_padding(int64_t cur_off, int64_t next_off, uint32_t next_align, bool in_bitfield,
                           int lvl) {
    if (cur_off >= next_off) return;
    struct Pad {
        const char *name;
        int64_t bits;
    };
    const Pad pads[] = {
        {"long", int64_t{layout_.pointer_size()} * 8}, {"int", 32}, {"short", 16}, {"char", 8}};
    auto put_pad = [&](const char *name, int64_t bits) {
        put("\n");
        indent(lvl);
        put(std::string(name) + ": " + std::to_string(bits) + ";");
    };

    const Pad *pad = &pads[0];
    int64_t new_off = 0;
    for (const Pad &p : pads) {
        pad = &p;
        new_off = round_up(cur_off, p.bits);
        if (new_off <= next_off) break;
    }
    if (new_off > cur_off && new_off <= next_off) {
        // An explicit marker is needed inside a bitfield run, when the next
        // member's own alignment would not reach new_off, or when a sized
        // pad would fit entirely in the hole the compiler leaves anyway.
        if (in_bitfield ||
            (new_off == next_off && round_up(cur_off, int64_t{next_align} * 8) != new_off) ||
            (new_off != next_off && next_off - new_off <= new_off - cur_off))
            put_pad(pad->name, in_bitfield ? new_off - cur_off : 0);
        cur_off = new_off;
    }
    const char *pad_name = pad->name;
    int64_t pad_bits = pad->bits;
    while (cur_off != next_off) {
        int64_t bits = std::min(next_off - cur_off, pad_bits);
        if (bits == pad_bits) {
            put_pad(pad_name, pad_bits);
            cur_off += bits;
            continue;
        }
        // The remainder takes the smallest type that holds it.
        for (auto it = std::rbegin(pads); it != std::rend(pads); ++it) {
            pad_name = it->name;
            pad_bits = it->bits;
            if (pad_bits < bits) continue;
            put_pad(pad_name, bits);
            cur_off += bits;
            break;
        }
    }
}

void CDumper::emit_enum_def(uint32_t id, int lvl) {
    const Type &t = btf_.type(id);
    put("enum");
    if (!t.name.empty()) put(" ");
    put(type_name(id));
    if (t.enumerators.empty()) return;
    put(" {");
    for (const EnumValue &e : t.enumerators) {
        // Enumerators share the ordinary identifiers' namespace with typedefs.
        size_t dups = count_name(true, e.name);
        put("\n");
        indent(lvl + 1);
        put(e.name);
        if (dups > 1) put("___" + std::to_string(dups));
        put(" = " + format_enumerator(t, e) + ",");
    }
    put("\n");
    indent(lvl);
    put("}");
}

void CDumper::emit_fwd_def(uint32_t id) {
    put(btf_.type(id).kflag ? "union " : "struct ");
    put(type_name(id));
}

void CDumper::emit_typedef_def(uint32_t id, int lvl) {
    const Type &t = btf_.type(id);
    std::string_view name = ident_name(id);
    // Old GCC describes __gnuc_va_list as a typedef of void.
    if (t.type == 0 && name == "__gnuc_va_list") {
        put("typedef __builtin_va_list __gnuc_va_list");
        return;
    }
    put("typedef ");
    emit_decl(t.type, name, lvl);
}

// GCC's BTF for Arm SIMD code names internal base types no other compiler
// knows; they get a typedef to the standard type they stand for.
void CDumper::emit_missing_alias(uint32_t id) {
    static const std::pair<std::string_view, std::string_view> kAliases[] = {
        {"__Poly8_t", "unsigned char"},
        {"__Poly16_t", "unsigned short"},
        {"__Poly64_t", "unsigned long long"},
        {"__Poly128_t", "unsigned __int128"},
    };
    std::string_view name = type_name(id);
    for (const auto &[alias, base] : kAliases) {
        if (name != alias) continue;
        put("typedef ");
        put(base);
        put(" ");
        put(name);
        put(";\n\n");
        return;
    }
}

// A declaration of `field_name` with type `id` in C syntax. The chain from
// the outermost type (pointer, array, function prototype, modifier) down to
// the base type is collected, then written from the base outwards:
// modifiers of the base go to its left, those of pointers to their right,
// arrays and function pointers wrap the declarator in parentheses.
void CDumper::emit_decl(uint32_t id, std::string_view field_name, int lvl) {
    if (!enter()) return;
    struct Leave {
        CDumper *d;
        ~Leave() { d->leave(); }
    } leave_guard{this};

    DeclStack stack;
    while (true) {
        stack.push_back(id);
        if (id == 0) break;
        if (stack.size() > btf_.type_count() + 1) {
            too_deep_ = true;  // a chain that revisits a type: a cycle
            return;
        }
        const Type &t = btf_.type(id);
        bool base = false;
        switch (t.kind) {
            case BTF_KIND_PTR:
            case BTF_KIND_VOLATILE:
            case BTF_KIND_CONST:
            case BTF_KIND_RESTRICT:
            case BTF_KIND_FUNC_PROTO:
            case BTF_KIND_TYPE_TAG:
                id = t.type;
                break;
            case BTF_KIND_ARRAY:
                id = t.array_elem;
                break;
            case BTF_KIND_INT:
            case BTF_KIND_ENUM:
            case BTF_KIND_ENUM64:
            case BTF_KIND_FWD:
            case BTF_KIND_STRUCT:
            case BTF_KIND_UNION:
            case BTF_KIND_TYPEDEF:
            case BTF_KIND_FLOAT:
                base = true;
                break;
            default:
                warn("unexpected type in decl chain, kind:" + std::to_string(t.kind) + ", id:[" +
                     std::to_string(id) + "]");
                base = true;
                break;
        }
        if (base) break;
    }
    size_t count = stack.size();
    emit_chain(stack, count, field_name, lvl);
}

void CDumper::emit_mods(const DeclStack &stack, size_t &count) {
    for (; count > 0; count--) {
        switch (btf_.type(stack[count - 1]).kind) {
            case BTF_KIND_VOLATILE:
                put("volatile ");
                break;
            case BTF_KIND_CONST:
                put("const ");
                break;
            case BTF_KIND_RESTRICT:
                put("restrict ");
                break;
            default:
                return;
        }
    }
}

void CDumper::drop_mods(const DeclStack &stack, size_t &count) {
    while (count > 0 && is_modifier(btf_.type(stack[count - 1])))
        count--;
}

void CDumper::emit_name(std::string_view name, bool last_was_ptr) {
    if (!name.empty() && !last_was_ptr) put(" ");
    put(name);
}

// Pops stack[0, count) from the top (the base type) down. last_was_ptr
// keeps `int ***` free of inner spaces; it starts true so that a lone
// pointer in a function pointer's parentheses prints as `(*name)`.
void CDumper::emit_chain(const DeclStack &stack, size_t &count, std::string_view field_name,
                         int lvl) {
    if (!enter()) return;
    struct Leave {
        CDumper *d;
        ~Leave() { d->leave(); }
    } leave_guard{this};

    bool last_was_ptr = true;
    while (count > 0) {
        const uint32_t id = stack[--count];
        if (id == 0) {
            emit_mods(stack, count);
            put("void");
            last_was_ptr = false;
            continue;
        }
        const Type &t = btf_.type(id);
        switch (t.kind) {
            case BTF_KIND_INT:
            case BTF_KIND_FLOAT:
                emit_mods(stack, count);
                put(t.name);
                break;
            case BTF_KIND_STRUCT:
            case BTF_KIND_UNION:
                emit_mods(stack, count);
                if (t.name.empty())
                    emit_struct_def(id, lvl);  // anonymous: defined inline
                else
                    emit_struct_fwd(id);
                break;
            case BTF_KIND_ENUM:
            case BTF_KIND_ENUM64:
                emit_mods(stack, count);
                if (t.name.empty())
                    emit_enum_def(id, lvl);
                else
                    put("enum " + std::string(type_name(id)));
                break;
            case BTF_KIND_FWD:
                emit_mods(stack, count);
                emit_fwd_def(id);
                break;
            case BTF_KIND_TYPEDEF:
                emit_mods(stack, count);
                put(ident_name(id));
                break;
            case BTF_KIND_PTR:
                put(last_was_ptr ? "*" : " *");
                break;
            case BTF_KIND_VOLATILE:
                put(" volatile");
                break;
            case BTF_KIND_CONST:
                put(" const");
                break;
            case BTF_KIND_RESTRICT:
                put(" restrict");
                break;
            case BTF_KIND_TYPE_TAG:
                emit_mods(stack, count);
                put(" __attribute__((btf_type_tag(\"" + std::string(t.name) + "\")))");
                break;
            case BTF_KIND_ARRAY: {
                // Qualifiers on an array itself (a GCC quirk) mean nothing.
                drop_mods(stack, count);
                const std::string dim = "[" + std::to_string(t.array_nelems) + "]";
                if (count == 0) {
                    emit_name(field_name, last_was_ptr);
                    put(dim);
                    return;
                }
                const bool multidim = btf_.type(stack[count - 1]).kind == BTF_KIND_ARRAY;
                if (!field_name.empty() && !last_was_ptr) put(" ");
                if (!multidim) put("(");
                emit_chain(stack, count, field_name, lvl);
                if (!multidim) put(")");
                put(dim);
                return;
            }
            case BTF_KIND_FUNC_PROTO: {
                // GCC's volatile on noreturn function pointers means nothing either.
                drop_mods(stack, count);
                if (count > 0) {
                    put(" (");
                    emit_chain(stack, count, field_name, lvl);
                    put(")");
                } else {
                    emit_name(field_name, last_was_ptr);
                }
                put("(");
                // No parameters, or clang's single void one: `(void)`.
                if (t.params.empty() || (t.params.size() == 1 && t.params[0].type == 0)) {
                    put("void)");
                    return;
                }
                for (size_t i = 0; i < t.params.size(); i++) {
                    if (i > 0) put(", ");
                    if (i + 1 == t.params.size() && t.params[i].type == 0) {
                        put("...");
                        break;
                    }
                    emit_decl(t.params[i].type, t.params[i].name, lvl);
                }
                put(")");
                return;
            }
            default:
                warn("unexpected type in decl chain, kind:" + std::to_string(t.kind) + ", id:[" +
                     std::to_string(id) + "]");
                return;
        }
        last_was_ptr = t.kind == BTF_KIND_PTR;
    }
    emit_name(field_name, last_was_ptr);
}

size_t CDumper::count_name(bool ident, std::string_view name) {
    auto &names = ident ? ident_names_ : type_names_;
    return ++names[std::string(name)];
}

// The name a type is declared under: its own the first time it is asked
// for, NAME___N for the N-th type of the same namespace and name. Forward
// declarations and enum forward declarations never count: they name a type
// defined elsewhere.
std::string_view CDumper::resolve_name(uint32_t id, bool ident) {
    const Type &t = btf_.type(id);
    TypeState &ts = states_[id];
    if (t.name.empty()) return {};
    if (ts.name_resolved) return ts.unique_name.empty() ? t.name : ts.unique_name;
    ts.name_resolved = true;
    if (t.kind == BTF_KIND_FWD || (t.kind == BTF_KIND_ENUM && t.vlen == 0)) return t.name;
    size_t dups = count_name(ident, t.name);
    if (dups > 1) {
        ts.unique_name = std::string(t.name) + "___" + std::to_string(dups);
        if (ts.unique_name.size() > kMaxUniqueName) ts.unique_name.resize(kMaxUniqueName);
    }
    return ts.unique_name.empty() ? t.name : ts.unique_name;
}

}  // namespace bpffs::btf
