// The call libbpf (and core/elf) writes in place of an instruction whose
// CO-RE relocation found nothing in the target BTF: `call 0xbad2310`. The
// kernel's verifier refuses it only when it can be reached ("invalid func
// unknown#195896080"); programs guard such code with bpf_core_field_exists()
// and friends. Registered under that id, the call loads and ends the run
// with that sentence if it is ever executed. A verifier must refuse
// reachable ones at load, as the kernel's does.
#include <cerrno>

#include "core/vm/helpers.h"
#include "core/vm/run_context.h"

namespace bpffs::vm {
namespace {

uint64_t poisoned(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, RunContext &ctx) {
    ctx.fault(EINVAL,
              "invalid func unknown#195896080: a CO-RE relocation that matched nothing in the "
              "daemon's BTF was reached");
    return 0;
}

}  // namespace

void register_core_poison(HelperTable &table) {
    table.set(helper_id::kCorePoison, "unknown", poisoned);
}

}  // namespace bpffs::vm
