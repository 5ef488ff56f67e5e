#include "tools/bpffsctl/btf_c_header.h"

#include <string>

#include "core/btf/btf_dump_c.h"
#include "tools/bpffsctl/cli.h"

namespace bpffsctl {

namespace {

constexpr const char kPrologue[] =
    "#ifndef __VMLINUX_H__\n"
    "#define __VMLINUX_H__\n"
    "\n"
    "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n"
    "#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)\n"
    "#endif\n"
    "\n";

constexpr const char kEpilogue[] =
    "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n"
    "#pragma clang attribute pop\n"
    "#endif\n"
    "\n"
    "#endif /* __VMLINUX_H__ */\n";

}  // namespace

int dump_btf_c(Cli &cli, const bpffs::btf::Btf &btf, std::span<const uint32_t> root_ids,
               uint32_t pointer_size) {
    std::string text = kPrologue;
    bpffs::btf::CDumper dumper(btf, pointer_size, text);
    bpffs::Status status;
    if (root_ids.empty()) {
        for (uint32_t id = 1; id <= btf.type_count() && status; id++)
            status = dumper.dump_type(id);
    } else {
        for (size_t i = 0; i < root_ids.size() && status; i++)
            status = dumper.dump_type(root_ids[i]);
    }
    if (status) text += kEpilogue;
    fwrite(text.data(), 1, text.size(), cli.out);
    for (const std::string &warning : dumper.warnings())
        fprintf(cli.err, "libbpf: %s\n", warning.c_str());
    return status ? 0 : -status.error().code;
}

}  // namespace bpffsctl
