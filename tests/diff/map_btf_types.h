/* Key and value types of the maps in the map-cat differential test
 * (map_btf.sh): compiled by clang -g -target bpf for their BTF, and by the
 * C compiler into map_btf_fill, which creates and fills the maps. One
 * header, so both agree on every layout (x86-64 and BPF lay these out the
 * same way). */
#ifndef MAP_BTF_TYPES_H
#define MAP_BTF_TYPES_H

typedef unsigned int u32;
typedef unsigned long long u64;

enum color { RED, GREEN = 5, BLUE = -1 };
enum level { LOW = 1, HIGH = 2 };

struct flags {
    unsigned int a : 1, b : 3, c : 12;
    int d : 5;
    unsigned long long e : 40;
};

struct inner {
    short s;
    unsigned char u8;
    char c;
};

/* The example of the spec: {-1,['a','b',],578437695752307201,0x1,0x7,[3,-1,],} */
struct value1 {
    int i;
    char name[4];
    unsigned long long big;
    unsigned int f1 : 1, f2 : 3;
    int arr[2];
};

union either {
    int x;
    unsigned char b[4];
};

struct mixed {
    char text[8];
    unsigned char bytes[4];
    _Bool flag;
    enum color col;
    void *ptr;
    const char *str;
    struct inner in;
    struct inner ins[2];
    int grid[2][3];
    union either u;
    long long neg;
    unsigned __int128 wide;
    float fl;
    volatile const u32 cv;
    struct {
        int anon_a;
        char anon_b;
    } nested;
    struct inner *ptrs[2];
};

struct key2 {
    u32 a;
    unsigned short b;
    unsigned char c;
    char d;
};

struct empty {};

struct with_empty {
    int before;
    struct empty e;
    int after;
};

/* Everything above by value, so that clang describes every type fully. */
struct all_types {
    struct flags a;
    struct inner b;
    struct value1 c;
    struct mixed d;
    struct key2 e;
    enum color f;
    enum level g;
    u32 h;
    u64 i;
    char j[8];
    struct with_empty k;
    int l[3][2];
};

#endif
