#include "core/elf/relocate.h"

#include <gelf.h>

#include <algorithm>
#include <cerrno>
#include <set>

namespace bpffs::elf {

namespace {

bool is_ldimm64(const bpf_insn &insn) {
    return insn.code == (BPF_LD | BPF_IMM | BPF_DW);
}
bool is_call(const bpf_insn &insn) {
    return insn.code == (BPF_JMP | BPF_CALL);
}

// Where one relocated instruction points.
struct Target {
    enum Kind { subprog_call, subprog_addr, map_fd, map_value } kind;
    size_t insn = 0;      // subprog_*: instruction index in .text
    size_t map = 0;       // map_*: index into maps
    uint64_t offset = 0;  // map_value: offset in the map's value
};

// A run of instructions copied into the flattened program.
struct Segment {
    size_t section = 0;
    size_t sec_start = 0;  // first instruction, in the section
    size_t out_start = 0;  // first instruction, in the program
    size_t len = 0;
};

class Flattener {
  public:
    Flattener(ProgramSpec &prog, const RelocationInputs &in) : prog_(prog), in_(in) {}

    Status run() {
        text_ = in_.obj.find_section(".text");
        if (auto st = append(prog_.section_index, prog_.insn_offset, prog_.insn_count); !st)
            return st;
        for (size_t s = 0; s < segments_.size(); s++) {
            Segment seg = segments_[s];  // copy: append() grows the vector
            for (size_t j = 0; j < seg.len; j++)
                if (auto st = relocate_insn(seg, j); !st) return st;
        }
        prog_.insns = std::move(out_);
        prog_.map_indexes.assign(maps_used_.begin(), maps_used_.end());
        rebase_btf_ext();
        return ok();
    }

  private:
    const std::vector<bpf_insn> &code_of(size_t section) const { return in_.code.at(section); }
    const Section &section(size_t index) const { return *in_.obj.section(index); }

    Status append(size_t sec, size_t start, size_t len) {
        // A call into .text needs .text to hold code (a hostile object may
        // name a .text that is not an executable section).
        auto found = in_.code.find(sec);
        if (found == in_.code.end())
            return fail(EINVAL, "section '" + section(sec).name + "' holds no program code");
        const auto &code = found->second;
        if (start > code.size() || code.size() - start < len)
            return fail(EINVAL, "a function lies outside section '" + section(sec).name + "'");
        segments_.push_back({sec, start, out_.size(), len});
        out_.insert(out_.end(), code.begin() + static_cast<std::ptrdiff_t>(start),
                    code.begin() + static_cast<std::ptrdiff_t>(start + len));
        return ok();
    }

    tl::unexpected<Error> bad(const Segment &seg, size_t idx, const std::string &what) const {
        return fail(EINVAL, "program '" + prog_.name + "': instruction " + std::to_string(idx) +
                                " of section '" + section(seg.section).name + "': " + what);
    }

    // The .text function that starts at this instruction, appended on first use.
    Result<size_t> subprog_out_start(const Segment &seg, size_t idx, size_t text_insn) {
        if (auto it = appended_.find(text_insn); it != appended_.end()) return it->second;
        for (const Symbol &sym : in_.obj.symbols()) {
            if (!text_ || sym.shndx != text_->index || sym.type != STT_FUNC) continue;
            if (sym.value / sizeof(bpf_insn) != text_insn || sym.value % sizeof(bpf_insn)) continue;
            if (sym.size == 0 || sym.size % sizeof(bpf_insn))
                return bad(seg, idx, "sub-program '" + sym.name + "' has a bad size");
            size_t start = out_.size();
            if (auto st = append(text_->index, text_insn, sym.size / sizeof(bpf_insn)); !st)
                return tl::unexpected(st.error());
            appended_[text_insn] = start;
            return start;
        }
        return bad(seg, idx, "calls or references no function start in .text");
    }

    Result<Target> classify(const Segment &seg, size_t idx, const Relocation &r) const {
        const bpf_insn &insn = code_of(seg.section)[idx];
        const Symbol &sym = in_.obj.symbols()[r.symbol];
        if (sym.shndx == SHN_UNDEF)
            return bad(seg, idx,
                       "refers to extern '" + sym.name +
                           "' (kconfig, ksyms and kfuncs are not supported by bpffsd yet)");
        if (is_call(insn)) {
            if (insn.src_reg != BPF_PSEUDO_CALL)
                return bad(seg, idx, "a relocated call that is not a BPF-to-BPF call");
            if (!text_ || sym.shndx != text_->index)
                return bad(seg, idx, "calls a function outside .text");
            if (sym.value % sizeof(bpf_insn)) return bad(seg, idx, "calls a misaligned symbol");
            int64_t target = static_cast<int64_t>(sym.value / sizeof(bpf_insn)) + insn.imm + 1;
            if (target < 0) return bad(seg, idx, "calls before the start of .text");
            return Target{Target::subprog_call, static_cast<size_t>(target), 0, 0};
        }
        if (!is_ldimm64(insn))
            return bad(seg, idx, "a relocation on neither an ldimm64 nor a call");
        if (idx + 1 >= code_of(seg.section).size()) return bad(seg, idx, "a truncated ldimm64");
        if (text_ && sym.shndx == text_->index) {
            int64_t byte = static_cast<int64_t>(sym.value) + insn.imm;
            if (byte < 0 || byte % static_cast<int64_t>(sizeof(bpf_insn)))
                return bad(seg, idx, "takes a misaligned function address");
            return Target{Target::subprog_addr, static_cast<size_t>(byte) / sizeof(bpf_insn), 0, 0};
        }
        for (size_t m = 0; m < in_.maps.size(); m++) {
            const MapDef &map = in_.maps[m];
            if (map.section_index != sym.shndx) continue;
            if (map.origin == MapOrigin::global_data) {
                int64_t off = static_cast<int64_t>(sym.value) + insn.imm;
                if (off < 0 || static_cast<uint64_t>(off) >= map.definition_size)
                    return bad(seg, idx,
                               "points outside global data section '" + map.var_name + "'");
                return Target{Target::map_value, 0, m, static_cast<uint64_t>(off)};
            }
            uint64_t off =
                sym.value + (sym.type == STT_SECTION ? static_cast<uint32_t>(insn.imm) : 0);
            if (off == map.section_offset) return Target{Target::map_fd, 0, m, 0};
        }
        return bad(seg, idx,
                   "refers to '" + sym.name + "' in section '" +
                       (in_.obj.section(sym.shndx) ? in_.obj.section(sym.shndx)->name : "?") +
                       "', which is neither a map nor global data");
    }

    Result<int> fd_of(const Segment &seg, size_t idx, size_t map) const {
        if (map >= in_.map_fds.size() || in_.map_fds[map] < 0)
            return bad(seg, idx,
                       "map '" + in_.maps[map].var_name + "' was given no file descriptor");
        return in_.map_fds[map];
    }

    Status relocate_insn(const Segment &seg, size_t j) {
        size_t idx = seg.sec_start + j, out = seg.out_start + j;
        const Relocation *rel = relocation_at(seg.section, idx);
        bpf_insn &insn = out_[out];
        if (!rel) {
            if (is_ldimm64(insn) && insn.src_reg == BPF_PSEUDO_FUNC)
                return bad(seg, idx, "a function address without a relocation");
            if (!is_call(insn) || insn.src_reg != BPF_PSEUDO_CALL) return ok();
            // A static call inside .text: relative to its own position.
            if (!text_ || seg.section != text_->index)
                return bad(seg, idx, "a BPF-to-BPF call without a relocation outside .text");
            int64_t target = static_cast<int64_t>(idx) + insn.imm + 1;
            if (target < 0) return bad(seg, idx, "calls before the start of .text");
            return link_subprog(seg, idx, out, static_cast<size_t>(target));
        }
        auto target = classify(seg, idx, *rel);
        if (!target) return tl::unexpected(target.error());
        switch (target->kind) {
            case Target::subprog_call:
                return link_subprog(seg, idx, out, target->insn);
            case Target::subprog_addr:
                out_[out].src_reg = BPF_PSEUDO_FUNC;
                return link_subprog(seg, idx, out, target->insn);
            case Target::map_fd:
            case Target::map_value: {
                auto fd = fd_of(seg, idx, target->map);
                if (!fd) return tl::unexpected(fd.error());
                bpf_insn &lo = out_[out];
                lo.src_reg =
                    target->kind == Target::map_fd ? BPF_PSEUDO_MAP_FD : BPF_PSEUDO_MAP_VALUE;
                lo.imm = *fd;
                out_[out + 1].imm = static_cast<int32_t>(target->offset);
                maps_used_.insert(target->map);
                return ok();
            }
        }
        return ok();
    }

    Status link_subprog(const Segment &seg, size_t idx, size_t out, size_t text_insn) {
        auto start = subprog_out_start(seg, idx, text_insn);
        if (!start) return tl::unexpected(start.error());
        out_[out].imm =
            static_cast<int32_t>(static_cast<int64_t>(*start) - static_cast<int64_t>(out) - 1);
        return ok();
    }

    const Relocation *relocation_at(size_t sec, size_t idx) {
        auto &index = reloc_index_[sec];
        if (index.empty()) {
            for (const Relocation &r : in_.obj.relocations_for(sec))
                if (r.offset % sizeof(bpf_insn) == 0) index[r.offset / sizeof(bpf_insn)] = &r;
            index[SIZE_MAX] = nullptr;  // marks the section as indexed
        }
        auto it = index.find(idx);
        return it == index.end() ? nullptr : it->second;
    }

    // func_info and line_info of every copied segment, in program units.
    void rebase_btf_ext() {
        if (!in_.ext) return;
        for (const Segment &seg : segments_) {
            const std::string &name = section(seg.section).name;
            auto rebase = [&](uint32_t byte_off, uint32_t &out) {
                size_t insn = byte_off / sizeof(bpf_insn);
                if (insn < seg.sec_start || insn >= seg.sec_start + seg.len) return false;
                out = static_cast<uint32_t>(seg.out_start + insn - seg.sec_start);
                return true;
            };
            if (auto it = in_.ext->func_info.find(name); it != in_.ext->func_info.end())
                for (bpf_func_info fi : it->second)
                    if (rebase(fi.insn_off, fi.insn_off)) prog_.func_info.push_back(fi);
            if (auto it = in_.ext->line_info.find(name); it != in_.ext->line_info.end())
                for (bpf_line_info li : it->second)
                    if (rebase(li.insn_off, li.insn_off)) prog_.line_info.push_back(li);
        }
        auto by_insn = [](const auto &a, const auto &b) { return a.insn_off < b.insn_off; };
        std::stable_sort(prog_.func_info.begin(), prog_.func_info.end(), by_insn);
        std::stable_sort(prog_.line_info.begin(), prog_.line_info.end(), by_insn);
    }

    ProgramSpec &prog_;
    const RelocationInputs &in_;
    const Section *text_ = nullptr;
    std::vector<bpf_insn> out_;
    std::vector<Segment> segments_;
    std::map<size_t, size_t> appended_;  // .text start -> program position
    std::set<size_t> maps_used_;
    std::map<size_t, std::map<size_t, const Relocation *>> reloc_index_;
};

}  // namespace

Status relocate_program(ProgramSpec &prog, const RelocationInputs &in) {
    prog.insns.clear();
    prog.map_indexes.clear();
    prog.func_info.clear();
    prog.line_info.clear();
    if (!in.code.count(prog.section_index))
        return fail(EINVAL, "program '" + prog.name + "' has no code section");
    Flattener f(prog, in);
    return f.run();
}

}  // namespace bpffs::elf
