#!/usr/bin/env python3
# Hostile variants of a BPF object for the differential tests, written into
# OUTDIR: wrong_machine.o (e_machine EM_X86_64), bad_btf.o (.BTF type
# section past the data), bad_reloc.o (a relocation naming no symbol).
# usage: hostile_objects.py OBJECT OUTDIR
import struct, sys
src, out = sys.argv[1], sys.argv[2]
b = bytearray(open(src, 'rb').read())
def sections(b):
    shoff, = struct.unpack_from('<Q', b, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from('<HHH', b, 0x3a)
    secs = []
    for i in range(shnum):
        off = shoff + i * shentsize
        name, typ, flags, addr, offset, size, link, info, align, entsize = struct.unpack_from('<IIQQQQIIQQ', b, off)
        secs.append(dict(name=name, type=typ, offset=offset, size=size, link=link, info=info, entsize=entsize))
    strtab = secs[shstrndx]
    for s in secs:
        n = b[strtab['offset'] + s['name']:]
        s['sname'] = n[:n.index(0)].decode()
    return secs
secs = sections(b)
w = bytearray(b); w[18:20] = struct.pack('<H', 62); open(out + '/wrong_machine.o', 'wb').write(w)
bt = bytearray(b)
s = [x for x in secs if x['sname'] == '.BTF'][0]
struct.pack_into('<I', bt, s['offset'] + 8, 0xffffff)  # type_off far past the end
open(out + '/bad_btf.o', 'wb').write(bt)
br = bytearray(b)
rel = [x for x in secs if x['type'] == 9 and x['sname'].startswith('.reliter')][0]
off, info = struct.unpack_from('<QQ', br, rel['offset'])
struct.pack_into('<QQ', br, rel['offset'], off, (0xfffff << 32) | (info & 0xffffffff))  # symbol 0xfffff
open(out + '/bad_reloc.o', 'wb').write(br)
