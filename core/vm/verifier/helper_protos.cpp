#include "core/vm/verifier/helper_protos.h"

#include <linux/bpf.h>

namespace bpffs::vm::verifier {
namespace {

using A = ArgKind;

struct Entry {
    int32_t id;
    HelperProto proto;
};

const Entry kProtos[] = {
    {BPF_FUNC_map_lookup_elem,
     {"bpf_map_lookup_elem", RetKind::map_value_or_null, {A::const_map_ptr, A::map_key}}},
    {BPF_FUNC_map_update_elem,
     {"bpf_map_update_elem",
      RetKind::integer,
      {A::const_map_ptr, A::map_key, A::map_value, A::anything}}},
    {BPF_FUNC_map_delete_elem,
     {"bpf_map_delete_elem", RetKind::integer, {A::const_map_ptr, A::map_key}}},
    {BPF_FUNC_ktime_get_ns, {"bpf_ktime_get_ns", RetKind::integer, {}}},
    {BPF_FUNC_trace_printk,
     {"bpf_trace_printk",
      RetKind::integer,
      {A::mem_rdonly, A::const_size, A::anything, A::anything, A::anything},
      true}},
    {BPF_FUNC_get_prandom_u32, {"bpf_get_prandom_u32", RetKind::integer, {}}},
    {BPF_FUNC_get_smp_processor_id, {"bpf_get_smp_processor_id", RetKind::integer, {}}},
    {BPF_FUNC_seq_printf,
     {"bpf_seq_printf",
      RetKind::integer,
      {A::btf_seq_file, A::mem_rdonly, A::const_size, A::mem_rdonly_or_null, A::const_size_or_zero},
      true}},
    {BPF_FUNC_seq_write,
     {"bpf_seq_write",
      RetKind::integer,
      {A::btf_seq_file, A::mem_rdonly, A::const_size_or_zero},
      true}},
    {BPF_FUNC_probe_read_kernel,
     {"bpf_probe_read_kernel",
      RetKind::integer,
      {A::mem_uninit, A::const_size_or_zero, A::anything},
      true}},
    {BPF_FUNC_probe_read_kernel_str,
     {"bpf_probe_read_kernel_str",
      RetKind::integer,
      {A::mem_uninit, A::const_size_or_zero, A::anything},
      true}},
    {BPF_FUNC_for_each_map_elem,
     {"bpf_for_each_map_elem",
      RetKind::integer,
      {A::const_map_ptr, A::func, A::stack_or_null, A::anything},
      false,
      CallbackKind::map_elem}},
    {BPF_FUNC_loop,
     {"bpf_loop",
      RetKind::integer,
      {A::anything, A::func, A::stack_or_null, A::anything},
      false,
      CallbackKind::loop}},
    {BPF_FUNC_seq_printf_btf,
     {"bpf_seq_printf_btf",
      RetKind::integer,
      {A::btf_seq_file, A::mem_rdonly, A::const_size_or_zero, A::anything},
      true}},
};

}  // namespace

const HelperProto *find_helper_proto(int32_t id) {
    for (const Entry &e : kProtos)
        if (e.id == id) return &e.proto;
    return nullptr;
}

}  // namespace bpffs::vm::verifier
