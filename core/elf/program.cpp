#include "core/elf/program.h"

#include <gelf.h>

#include <algorithm>
#include <cerrno>

namespace bpffs::elf {

namespace {

// libbpf's section prefixes (libbpf.c section_defs) that name program
// types bpffsd does not run yet, with the type named in the error.
struct KnownPrefix {
    std::string_view prefix;
    std::string_view type;
};

constexpr KnownPrefix kUnsupported[] = {
    {"socket", "socket_filter"},
    {"sk_reuseport", "sk_reuseport"},
    {"kprobe", "kprobe"},
    {"kretprobe", "kprobe"},
    {"uprobe", "kprobe"},
    {"uretprobe", "kprobe"},
    {"kprobe.multi", "kprobe"},
    {"kretprobe.multi", "kprobe"},
    {"uprobe.multi", "kprobe"},
    {"uretprobe.multi", "kprobe"},
    {"ksyscall", "kprobe"},
    {"kretsyscall", "kprobe"},
    {"usdt", "kprobe"},
    {"tc", "sched_cls"},
    {"classifier", "sched_cls"},
    {"action", "sched_act"},
    {"tracepoint", "tracepoint"},
    {"tp", "tracepoint"},
    {"raw_tracepoint", "raw_tracepoint"},
    {"raw_tp", "raw_tracepoint"},
    {"raw_tracepoint.w", "raw_tracepoint_writable"},
    {"raw_tp.w", "raw_tracepoint_writable"},
    {"tp_btf", "tracing (tp_btf)"},
    {"fentry", "tracing (fentry)"},
    {"fmod_ret", "tracing (fmod_ret)"},
    {"fexit", "tracing (fexit)"},
    {"fentry.s", "tracing (fentry)"},
    {"fmod_ret.s", "tracing (fmod_ret)"},
    {"fexit.s", "tracing (fexit)"},
    {"freplace", "ext"},
    {"lsm", "lsm"},
    {"lsm.s", "lsm"},
    {"lsm_cgroup", "lsm"},
    {"syscall", "syscall"},
    {"xdp", "xdp"},
    {"xdp.frags", "xdp"},
    {"perf_event", "perf_event"},
    {"lwt_in", "lwt_in"},
    {"lwt_out", "lwt_out"},
    {"lwt_xmit", "lwt_xmit"},
    {"lwt_seg6local", "lwt_seg6local"},
    {"sockops", "sock_ops"},
    {"sk_skb", "sk_skb"},
    {"sk_msg", "sk_msg"},
    {"lirc_mode2", "lirc_mode2"},
    {"flow_dissector", "flow_dissector"},
    {"cgroup_skb", "cgroup_skb"},
    {"cgroup", "cgroup"},
    {"struct_ops", "struct_ops"},
    {"struct_ops.s", "struct_ops"},
    {"sk_lookup", "sk_lookup"},
    {"netfilter", "netfilter"},
};

// "kprobe/do_sys_open" -> "kprobe"; "xdp" -> "xdp".
std::string_view section_prefix(std::string_view name) {
    return name.substr(0, name.find('/'));
}

}  // namespace

Result<SectionKind> classify_section(std::string_view name) {
    std::string_view prefix = section_prefix(name);
    if (prefix == "iter" || prefix == "iter.s") {
        if (prefix.size() == name.size() || name.size() == prefix.size() + 1)
            return fail(EINVAL, "section '" + std::string(name) +
                                    "' names no iterator target (expected iter/<target>)");
        SectionKind kind;
        kind.prog_type = BPF_PROG_TYPE_TRACING;
        kind.expected_attach_type = BPF_TRACE_ITER;
        kind.attach_target = std::string(name.substr(prefix.size() + 1));
        kind.sleepable = prefix == "iter.s";
        return kind;
    }
    for (const KnownPrefix &known : kUnsupported) {
        if (known.prefix == prefix)
            return fail(EOPNOTSUPP, "program type " + std::string(known.type) + " (section '" +
                                        std::string(name) + "') is not supported by bpffsd yet");
    }
    return fail(EINVAL, "section '" + std::string(name) +
                            "' holds code but is not a known program section");
}

std::string kernel_object_name(std::string_view name) {
    return std::string(name.substr(0, BPF_OBJ_NAME_LEN - 1));
}

Result<std::vector<ProgramSpec>> find_programs(const ObjectFile &obj) {
    std::vector<ProgramSpec> programs;
    for (const Section &sec : obj.sections()) {
        if (!sec.executable() || sec.name == ".text" || sec.size == 0) continue;
        auto kind = classify_section(sec.name);
        if (!kind) return tl::unexpected(kind.error());
        if (sec.size % sizeof(bpf_insn) != 0)
            return fail(EINVAL, "section '" + sec.name + "' is not a whole number of instructions");
        size_t first = programs.size();
        for (const Symbol &sym : obj.symbols()) {
            if (sym.shndx != sec.index || sym.type != STT_FUNC) continue;
            if (sym.bind == STB_LOCAL)
                return fail(EOPNOTSUPP, "program '" + sym.name + "' in section '" + sec.name +
                                            "' is static; entry programs must be global");
            if (sym.value % sizeof(bpf_insn) != 0 || sym.size % sizeof(bpf_insn) != 0 ||
                sym.size == 0 || sym.value > sec.size || sec.size - sym.value < sym.size)
                return fail(EINVAL, "program '" + sym.name + "' lies outside section '" + sec.name +
                                        "' or is misaligned");
            ProgramSpec prog;
            prog.name = sym.name;
            prog.kernel_name = kernel_object_name(sym.name);
            prog.section_name = sec.name;
            prog.kind = *kind;
            prog.section_index = sec.index;
            prog.insn_offset = sym.value / sizeof(bpf_insn);
            prog.insn_count = sym.size / sizeof(bpf_insn);
            programs.push_back(std::move(prog));
        }
        if (programs.size() == first)
            return fail(EINVAL, "section '" + sec.name + "' holds code but no function symbol");
        std::sort(programs.begin() + first, programs.end(),
                  [](const ProgramSpec &a, const ProgramSpec &b) {
                      return a.insn_offset < b.insn_offset;
                  });
    }
    return programs;
}

}  // namespace bpffs::elf
