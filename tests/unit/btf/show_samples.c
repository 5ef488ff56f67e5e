/* Sample objects of tests/diff/map_btf_types.h for btf_show_test.cpp,
 * laid out by the C compiler (C++ lays out empty structs differently). */
#include <string.h>

#include "tests/diff/map_btf_types.h"

size_t show_sample(const char *name, void *out);

size_t show_sample(const char *name, void *out) {
    if (strcmp(name, "value1") == 0) {
        struct value1 v = {.i = -1,
                           .name = {'a', 'b'},
                           .big = 578437695752307201ULL,
                           .f1 = 1,
                           .f2 = 7,
                           .arr = {3, -1}};
        memcpy(out, &v, sizeof(v));
        return sizeof(v);
    }
    if (strcmp(name, "with_empty") == 0) {
        struct with_empty v = {.before = 1, .after = -1};
        memcpy(out, &v, sizeof(v));
        return sizeof(v);
    }
    if (strcmp(name, "flags") == 0) {
        struct flags v = {.a = 1, .b = 3, .c = 4095, .d = -4, .e = 0xabcdef1234ULL};
        memcpy(out, &v, sizeof(v));
        return sizeof(v);
    }
    if (strcmp(name, "grid") == 0) {
        int v[3][2] = {{1, 2}, {3, 4}, {5, 6}};
        memcpy(out, v, sizeof(v));
        return sizeof(v);
    }
    if (strcmp(name, "inner_zero") == 0) {
        struct value1 v = {.i = 5};
        memcpy(out, &v, sizeof(v));
        return sizeof(v);
    }
    return 0;
}
