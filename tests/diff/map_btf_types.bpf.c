/* The BTF of map_btf_types.h (clang emits full types only for what a
 * function uses). */
#include "map_btf_types.h"

int use_all_types(struct all_types *all) {
    return all->h + all->a.a + all->d.cv;
}
