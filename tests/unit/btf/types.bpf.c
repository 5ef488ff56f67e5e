/* Types of every common BTF kind, compiled by clang -g -target bpf for the
 * BTF parser's tests. */
typedef unsigned int u32;
typedef unsigned long long u64;

enum color { RED, GREEN = 5, BLUE = -1 };

struct inner {
    u32 a;
    unsigned int flag : 1;
    unsigned int bits : 7;
    char name[16];
};

union either {
    u64 big;
    struct inner in;
};

struct outer {
    const volatile struct inner *ptr;
    union either u;
    enum color c;
    float f;
    int (*fn)(int, char);
};

struct outer global_outer;
const int global_ro = 7;
static int counter;

int add(struct outer *o, int x)
{
    counter += x;
    return o->u.in.a + x + global_ro;
}
