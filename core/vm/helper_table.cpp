#include "core/vm/helpers.h"

namespace bpffs::vm {

const HelperTable &HelperTable::standard() {
    static const HelperTable table = [] {
        HelperTable t;
        register_map_helpers(t);
        register_base_helpers(t);
        register_trace_helpers(t);
        register_callback_helpers(t);
        register_core_poison(t);
        return t;
    }();
    return table;
}

}  // namespace bpffs::vm
