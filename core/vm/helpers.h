// Helper functions: called by `call imm` (src 0) with the kernel's helper ids
// and calling convention (arguments in r1..r5, result in r0). A helper sees
// the run's RunContext: in checked mode it must validate every pointer it is
// given with ctx.allows() and report bad ones with ctx.fault(), which ends
// the run with that error.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace bpffs::vm {

class RunContext;

using HelperFn = uint64_t (*)(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                              RunContext &ctx);

struct HelperInfo {
    HelperFn fn = nullptr;
    std::string name;
};

// Helper id -> function. Layers above the VM copy the standard table and add
// the helpers of their program types (seq_printf for iterators...).
class HelperTable {
  public:
    void set(int32_t id, std::string name, HelperFn fn) { helpers_[id] = {fn, std::move(name)}; }
    const HelperInfo *find(int32_t id) const {
        auto it = helpers_.find(id);
        return it == helpers_.end() ? nullptr : &it->second;
    }
    size_t size() const { return helpers_.size(); }

    // The helpers every program type gets: map access (1, 2, 3), ktime (5),
    // trace_printk (6), prandom (7), smp_processor_id (8), the callback
    // helpers for_each_map_elem (164) and loop (181); and the poisoned
    // CO-RE call, which faults when reached.
    static const HelperTable &standard();

  private:
    std::unordered_map<int32_t, HelperInfo> helpers_;
};

// Kernel helper ids (enum bpf_func_id).
namespace helper_id {
inline constexpr int32_t kMapLookupElem = 1, kMapUpdateElem = 2, kMapDeleteElem = 3,
                         kKtimeGetNs = 5, kTracePrintk = 6, kGetPrandomU32 = 7,
                         kGetSmpProcessorId = 8, kProbeReadKernel = 113, kProbeReadKernelStr = 115,
                         kForEachMapElem = 164, kLoop = 181;
// Not a helper: an unresolved CO-RE relocation (see core_poison.cpp).
inline constexpr int32_t kCorePoison = 0xbad2310;
}  // namespace helper_id

void register_map_helpers(HelperTable &table);
void register_base_helpers(HelperTable &table);  // ktime, prandom, smp_processor_id
void register_trace_helpers(HelperTable &table);
// bpf_loop and bpf_for_each_map_elem: they call a function of the program.
void register_callback_helpers(HelperTable &table);
// bpf_probe_read_kernel(_str), for tracing programs (iterators).
void register_probe_read_helpers(HelperTable &table);
// The poisoned CO-RE call: loads, faults when reached (part of standard()).
void register_core_poison(HelperTable &table);

}  // namespace bpffs::vm
