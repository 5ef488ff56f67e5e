#!/usr/bin/env python3
"""Hand-made raw BTF files for `btf dump file X format c`: what clang never
emits but BTF allows (signed and 64-bit enums, duplicate names, forward
declarations, tags, odd layouts, cycles C cannot express), each written to
OUTDIR/NAME.btf. bpftool and bpffsctl must print the same bytes for each.

usage: btf_edge_cases.py OUTDIR
"""
import os
import struct
import sys

# BTF kinds (linux/btf.h)
INT, PTR, ARRAY, STRUCT, UNION, ENUM, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT = range(1, 12)
FUNC, FUNC_PROTO, VAR, DATASEC, FLOAT, DECL_TAG, TYPE_TAG, ENUM64 = range(12, 20)
SIGNED, CHAR, BOOL = 1, 2, 4


class Btf:
    """Types are appended in order; each add_* returns the new type's id."""

    def __init__(self):
        self.types = []
        self.strings = bytearray(b"\0")
        self.offsets = {"": 0}

    def s(self, name):
        if name not in self.offsets:
            self.offsets[name] = len(self.strings)
            self.strings += name.encode() + b"\0"
        return self.offsets[name]

    def add(self, name, kind, vlen, kflag, size_or_type, extra=b""):
        info = (kind << 24) | vlen | (int(kflag) << 31)
        self.types.append(struct.pack("<III", self.s(name), info, size_or_type) + extra)
        return len(self.types)

    def int(self, name, size, encoding=0, bits=None):
        bits = size * 8 if bits is None else bits
        return self.add(name, INT, 0, 0, size, struct.pack("<I", encoding << 24 | bits))

    def ref(self, kind, target, name=""):
        return self.add(name, kind, 0, 0, target)

    def array(self, elem, index, n):
        return self.add("", ARRAY, 0, 0, 0, struct.pack("<III", elem, index, n))

    def composite(self, kind, name, size, members, kflag=False):
        """members: (name, type, bit_offset[, bitfield_size])"""
        extra = b""
        for m in members:
            off = m[2] | ((m[3] << 24) if len(m) > 3 else 0)
            extra += struct.pack("<III", self.s(m[0]), m[1], off)
        return self.add(name, kind, len(members), kflag, size, extra)

    def enum(self, name, size, values, signed=False):
        extra = b"".join(struct.pack("<Ii", self.s(n), v) if signed else
                         struct.pack("<II", self.s(n), v & 0xffffffff) for n, v in values)
        return self.add(name, ENUM, len(values), signed, size, extra)

    def enum64(self, name, values, signed=False):
        extra = b""
        for n, v in values:
            v &= (1 << 64) - 1
            extra += struct.pack("<III", self.s(n), v & 0xffffffff, v >> 32)
        return self.add(name, ENUM64, len(values), signed, 8, extra)

    def proto(self, ret, params):
        extra = b"".join(struct.pack("<II", self.s(n), t) for n, t in params)
        return self.add("", FUNC_PROTO, len(params), 0, ret, extra)

    def raw(self):
        types = b"".join(self.types)
        hdr = struct.pack("<HBBIIIII", 0xEB9F, 1, 0, 24, 0, len(types), len(types),
                          len(self.strings))
        return hdr + types + bytes(self.strings)


def enums(b):
    i32 = b.int("int", 4, SIGNED)
    b.enum("signed_e", 4, [("S_NEG", -5), ("S_MIN", -2**31), ("S_POS", 7)], signed=True)
    b.enum("unsigned_e", 4, [("U_BIG", 0xffffffff), ("U_ZERO", 0)])
    b.enum("byte_e", 1, [("B_ONE", 1)])
    b.enum("wide_e", 8, [("W_ONE", 1)])
    b.enum64("e64_hi", [("E_HI", 1 << 40), ("E_LO", 3)])
    b.enum64("e64_lo", [("E_SMALL", 9)])
    b.enum64("e64_signed", [("E_NEG", -(1 << 40)), ("E_MIN", -(1 << 63))], signed=True)
    b.enum("", 4, [("TOP_A", 1), ("TOP_B", 2)])  # top-level anonymous: constants
    anon = b.enum("", 4, [("IN_A", 1)])  # anonymous, used inline by a member
    b.enum("fwd_e", 4, [])  # an enum forward declaration
    b.composite(STRUCT, "uses_enums", 8, [("a", anon, 0), ("n", i32, 32)])


def duplicates(b):
    i32 = b.int("int", 4, SIGNED)
    b.composite(STRUCT, "dup", 4, [("a", i32, 0)])
    b.composite(STRUCT, "dup", 8, [("a", i32, 0), ("b", i32, 32)])
    b.composite(UNION, "dup", 4, [("c", i32, 0)])
    b.ref(TYPEDEF, i32, "dup_t")
    b.ref(TYPEDEF, i32, "dup_t")
    b.enum("dup_e", 4, [("dup_t", 1), ("X", 2)])
    b.enum("dup_e", 4, [("X", 3)])
    fwd = b.add("fwd_s", FWD, 0, 0, 0)
    b.add("fwd_u", FWD, 0, 1, 0)
    b.composite(STRUCT, "fwd_s", 4, [("a", i32, 0)])
    b.composite(STRUCT, "user", 8, [("p", b.ref(PTR, fwd), 0)])


def declarators(b):
    i32 = b.int("int", 4, SIGNED)
    ch = b.int("char", 1, SIGNED)
    ulong = b.int("long unsigned int", 8)
    fl = b.add("double", FLOAT, 0, 0, 8)
    cint = b.ref(CONST, i32)
    vcint = b.ref(VOLATILE, cint)
    pcv = b.ref(PTR, vcint)
    rp = b.ref(RESTRICT, pcv)
    crp = b.ref(CONST, rp)
    arr = b.array(crp, ulong, 3)
    arr2 = b.array(arr, ulong, 2)
    carr = b.ref(CONST, b.array(ch, ulong, 5))  # qualifier on an array: dropped
    varargs = b.proto(i32, [("fmt", b.ref(PTR, b.ref(CONST, ch))), ("", 0)])
    noargs = b.proto(i32, [])
    voidarg = b.proto(0, [("", 0)])
    fp_ret_fp = b.proto(b.ref(PTR, voidarg), [("sig", i32), ("h", b.ref(PTR, voidarg))])
    fparr = b.array(b.ref(PTR, noargs), ulong, 4)
    ptr_to_arr = b.ref(PTR, b.array(fl, ulong, 7))
    tagged = b.ref(PTR, b.ref(TYPE_TAG, i32, "user"))
    b.ref(TYPEDEF, b.ref(PTR, fp_ret_fp), "handler_t")
    b.ref(TYPEDEF, b.ref(VOLATILE, b.ref(PTR, noargs)), "noret_t")
    decls = b.composite(STRUCT, "decls", 200, [
        ("crp_arr", arr2, 0), ("name", carr, 384), ("printf_like", b.ref(PTR, varargs), 448),
        ("fparr", fparr, 512), ("pa", ptr_to_arr, 768), ("t", tagged, 832),
        ("signal", b.ref(PTR, fp_ret_fp), 896), ("pp", b.ref(PTR, b.ref(PTR, b.ref(PTR, 0))), 960),
        ("cv", b.ref(CONST, b.ref(PTR, b.ref(VOLATILE, 0))), 1024),
        ("f", fl, 1088), ("fn_arr_2d", b.array(b.array(b.ref(PTR, voidarg), ulong, 2), ulong, 3), 1152),
    ])
    b.add("tag_on_struct", DECL_TAG, 0, 0, decls, struct.pack("<i", -1))
    b.add("f", FUNC, 1, 0, noargs)


def layouts(b):
    ch = b.int("char", 1, SIGNED)
    sh = b.int("short", 2, SIGNED)
    i32 = b.int("int", 4, SIGNED)
    u32 = b.int("unsigned int", 4)
    i64 = b.int("long", 8, SIGNED)
    i128 = b.int("__int128", 16, SIGNED)
    b.composite(STRUCT, "packed_odd", 7, [("c", ch, 0), ("i", i32, 8), ("s", sh, 40)])
    b.composite(STRUCT, "tail_gap", 64, [("a", i64, 0), ("b", ch, 64)])
    b.composite(STRUCT, "mid_gap", 40, [("c", ch, 0), ("l", i64, 192), ("s", sh, 256)])
    b.composite(STRUCT, "bits", 16, [("a", u32, 0, 3), ("b", u32, 3, 5), ("c", i64, 20, 40),
                                     ("d", ch, 64, 0), ("e", u32, 80, 1), ("f", u32, 120, 7)],
                kflag=True)
    b.composite(STRUCT, "only_size", 12, [])
    b.composite(UNION, "big_union", 32, [("c", ch, 0), ("i", i32, 0)])
    b.composite(UNION, "empty_union", 0, [])
    b.composite(STRUCT, "wide", 48, [("c", ch, 0), ("x", i128, 128), ("t", ch, 256)])
    b.composite(STRUCT, "size_not_multiple", 10, [("a", i64, 0), ("b", sh, 64)])
    # Anonymous structs nested deeper than libbpf indents (13 tabs).
    inner = b.composite(STRUCT, "", 4, [("leaf", i32, 0)])
    for depth in range(16):
        inner = b.composite(STRUCT if depth % 2 else UNION, "", 4, [("n%d" % depth, inner, 0)])
    b.composite(STRUCT, "deep", 4, [("top", inner, 0)])


def special_names(b):
    b.int("__Poly8_t", 1)
    b.int("unsigned char", 1)
    b.ref(TYPEDEF, 0, "__gnuc_va_list")
    va = b.composite(STRUCT, "__va_list_tag", 24, [])
    b.ref(TYPEDEF, b.array(va, b.int("int", 4, SIGNED), 1), "__builtin_va_list")
    b.composite(STRUCT, "uses_va", 8, [("p", b.ref(PTR, len(b.types)), 0)])


def pointer_size_4(b):
    # A raw BTF whose `long` is 4 bytes: libbpf takes pointers as 4 bytes.
    lng = b.int("long int", 4, SIGNED)
    ch = b.int("char", 1, SIGNED)
    b.composite(STRUCT, "ilp32", 16, [("c", ch, 0), ("p", b.ref(PTR, ch), 32), ("l", lng, 64)])


def cycles(b):
    i32 = b.int("int", 4, SIGNED)
    # struct a embeds struct b which embeds struct a: no C spelling.
    b.composite(STRUCT, "loop_a", 8, [("b", 3, 0)])
    b.composite(STRUCT, "loop_b", 8, [("a", 2, 0), ("n", i32, 32)])


def anon_cycle(b):
    b.int("int", 4, SIGNED)
    # An anonymous struct pointing at itself: it would have to be inline twice.
    b.composite(STRUCT, "", 8, [("self", 3, 0)])
    b.ref(PTR, 2)
    b.composite(STRUCT, "holder", 8, [("anon", 2, 0)])


def pointer_cycles(b):
    i32 = b.int("int", 4, SIGNED)
    b.composite(STRUCT, "node", 16, [("next", 3, 0), ("val", i32, 64)])
    b.ref(PTR, 2)
    b.ref(TYPEDEF, 3, "node_p")
    b.composite(STRUCT, "tree", 24, [("l", 6, 0), ("r", 6, 64), ("n", 4, 128)])
    b.ref(PTR, 5)


def odd_references(b):
    i32 = b.int("int", 4, SIGNED)
    proto = b.proto(0, [("sig", i32)])
    b.ref(TYPEDEF, proto, "sighandler_t")  # a function type, as clang emits it
    fn = b.add("main_fn", FUNC, 1, 0, proto)
    b.ref(TYPEDEF, fn, "func_t")  # a typedef of a FUNC: no C spelling
    var = b.add("v", VAR, 0, 0, i32, struct.pack("<I", 1))
    b.ref(TYPEDEF, b.ref(PTR, var), "var_p")  # a pointer to a VAR: neither
    b.add("tag", DECL_TAG, 0, 0, 2, struct.pack("<i", 0))
    b.ref(TYPEDEF, b.ref(CONST, b.ref(TYPE_TAG, b.ref(TYPE_TAG, i32, "a"), "b")), "tagged_t")


CASES = {
    "enums": enums,
    "duplicates": duplicates,
    "declarators": declarators,
    "layouts": layouts,
    "special_names": special_names,
    "pointer_size_4": pointer_size_4,
    "cycles": cycles,
    "anon_cycle": anon_cycle,
    "pointer_cycles": pointer_cycles,
    "odd_references": odd_references,
}


def main():
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    for name, build in CASES.items():
        b = Btf()
        build(b)
        with open(os.path.join(outdir, name + ".btf"), "wb") as f:
            f.write(b.raw())


if __name__ == "__main__":
    main()
