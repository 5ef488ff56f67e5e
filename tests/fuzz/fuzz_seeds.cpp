// Writes the seed corpora of the fuzz targets that take structured input
// (wire messages, command sequences, VM programs) into OUTDIR/{wire,dispatch,
// vm}, made with the real encoders, the assembler and the ELF loader, so
// that the seeds follow the code when formats change. BTF and ELF seeds are
// the built objects themselves (tests/progs, core/btf) and need no step here.
//
//   fuzz_seeds OUTDIR [OBJECT.bpf.o...]
#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "core/btf/daemon_btf.h"
#include "core/elf/loader.h"
#include "core/vm/assembler.h"
#include "core/wire/frame.h"
#include "core/wire/messages.h"

using namespace bpffs;
using namespace bpffs::wire;

namespace {

bool write_seed(const std::string &dir, const std::string &name, const Bytes &data) {
    std::ofstream out(dir + "/" + name, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char *>(data.data()),
              static_cast<std::streamsize>(data.size()));
    return static_cast<bool>(out);
}

Bytes with_selector(uint8_t selector, const Bytes &payload) {
    Bytes out{selector};
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

Bytes u32_bytes(uint32_t v) {
    Writer w;
    w.u32(v);
    return w.take();
}

// Selector numbers of fuzz_wire.cpp.
bool write_wire_seeds(const std::string &dir) {
    bool ok = true;
    Writer h;
    encode_header(h, RequestHeader{kMagic, kProtocolVersion, 1, 7, 12});
    ok &= write_seed(dir, "header", with_selector(0, h.take()));
    ok &= write_seed(dir, "hello", with_selector(1, encode(HelloRequest{1, 022})));
    ok &= write_seed(dir, "close", with_selector(2, encode(CloseRequest{3})));
    ok &= write_seed(dir, "fdinfo", with_selector(3, encode(FdinfoRequest{3})));
    MapCreateRequest create;
    create.map_type = 1;
    create.key_size = 4;
    create.value_size = 8;
    create.max_entries = 16;
    create.name = "seed";
    ok &= write_seed(dir, "map_create", with_selector(4, encode(create)));
    ok &= write_seed(dir, "lookup", with_selector(5, encode(MapLookupRequest{3, {1, 0, 0, 0}, 0})));
    ok &= write_seed(dir, "update",
                     with_selector(6, encode(MapUpdateRequest{3, {1, 0, 0, 0}, Bytes(8, 7), 0})));
    ok &= write_seed(dir, "delete", with_selector(7, encode(MapDeleteRequest{3, {1, 0, 0, 0}})));
    ok &= write_seed(dir, "next_key",
                     with_selector(8, encode(MapGetNextKeyRequest{3, Bytes{1, 0, 0, 0}})));
    ok &= write_seed(dir, "freeze", with_selector(9, encode(MapFdRequest{3})));
    MapBatchRequest batch;
    batch.fd = 3;
    batch.in_batch = Bytes(4, 0);
    batch.keys = Bytes(8, 1);
    batch.values = Bytes(16, 2);
    batch.count = 2;
    ok &= write_seed(dir, "batch", with_selector(10, encode(batch)));
    ok &= write_seed(dir, "pin", with_selector(11, encode(ObjPinRequest{3, "/fuzz/bpffs/a", 0})));
    ok &=
        write_seed(dir, "get", with_selector(12, encode(ObjGetRequest{"/fuzz/bpffs/a", 1u << 3})));
    ok &= write_seed(dir, "next_id", with_selector(13, encode(GetNextIdRequest{0})));
    ok &= write_seed(dir, "fd_by_id", with_selector(14, encode(GetFdByIdRequest{1, 0})));
    ok &= write_seed(dir, "info", with_selector(15, encode(InfoRequest{3})));
    ok &= write_seed(
        dir, "batch_reply",
        with_selector(16, encode(MapBatchReply{Bytes(4, 0), Bytes(4, 1), Bytes(8, 2), 1})));
    Bytes reply = u32_bytes(static_cast<uint32_t>(-2));
    Writer msg;
    msg.string("no such element");
    Bytes body = msg.take();
    reply.insert(reply.end(), body.begin(), body.end());
    ok &= write_seed(dir, "reply", with_selector(17, reply));
    return ok;
}

// One record of fuzz_dispatch.cpp: selector (index in its kCommands), u16 length, payload.
void record(Bytes &out, uint8_t selector, const Bytes &payload) {
    out.push_back(selector);
    out.push_back(static_cast<uint8_t>(payload.size()));
    out.push_back(static_cast<uint8_t>(payload.size() >> 8));
    out.insert(out.end(), payload.begin(), payload.end());
}

Bytes map_create_payload(uint32_t type, uint32_t key, uint32_t value, uint32_t entries) {
    MapCreateRequest req;
    req.map_type = type;
    req.key_size = key;
    req.value_size = value;
    req.max_entries = entries;
    req.name = "seed";
    return encode(req);
}

bool write_dispatch_seeds(const std::string &dir) {
    bool ok = true;
    const uint32_t types[] = {1, 2, 5, 6, 9};  // hash, array, percpu hash/array, lru hash
    for (uint8_t user = 0; user < 2; ++user) {
        for (uint32_t type : types) {
            Bytes s{user};
            record(s, 16, encode(HelloRequest{1, 077}));
            record(s, 0, map_create_payload(type, 4, 8, 8));
            record(s, 2,
                   encode(MapUpdateRequest{
                       3, {1, 0, 0, 0}, Bytes(type == 5 || type == 6 ? 16 : 8, 9), 0}));
            record(s, 1, encode(MapLookupRequest{3, {1, 0, 0, 0}, 0}));
            record(s, 4, encode(MapGetNextKeyRequest{3, std::nullopt}));
            record(s, 5, encode(ObjPinRequest{3, "/fuzz/bpffs/m", 0}));
            record(s, 6, encode(ObjGetRequest{"/fuzz/bpffs/m", 1u << 3}));
            MapBatchRequest batch;
            batch.fd = 3;
            batch.count = 4;
            record(s, 12, encode(batch));
            record(s, 9, encode(InfoRequest{4}));
            record(s, 18, encode(FdinfoRequest{4}));
            record(s, 7, encode(GetNextIdRequest{0}));
            record(s, 8, encode(GetFdByIdRequest{1, 0}));
            record(s, 10, encode(MapLookupRequest{3, {1, 0, 0, 0}, 0}));
            record(s, 11, encode(MapFdRequest{3}));
            record(s, 3, encode(MapDeleteRequest{3, {1, 0, 0, 0}}));
            record(s, 17, encode(CloseRequest{3}));
            ok &= write_seed(dir, "seq_u" + std::to_string(user) + "_t" + std::to_string(type), s);
        }
    }
    return ok;
}

Bytes insn_bytes(const std::vector<vm::Insn> &insns) {
    Bytes out(insns.size() * sizeof(vm::Insn));
    memcpy(out.data(), insns.data(), out.size());
    return out;
}

// Small programs touching each instruction class, and the relocated
// programs of the test objects (their map fds all become the fuzz map's 3).
bool write_vm_seeds(const std::string &dir, const std::vector<std::string> &objects) {
    const char *programs[] = {
        "mov %r0, 1\nadd %r0, 2\nmul %r0, 3\nexit",
        "ldxdw %r0, [%r1]\nstdw [%r10-8], 5\nldxdw %r2, [%r10-8]\nadd %r0, %r2\nexit",
        "mov %r0, 0\nmov %r2, 10\nloop:\nadd %r0, %r2\nsub %r2, 1\njne %r2, 0, loop\nexit",
        "stw [%r10-4], 0\nld_map_fd %r1, 3\nmov %r2, %r10\nadd %r2, -4\ncall 1\n"
        "jeq %r0, 0, out\nldxdw %r0, [%r0]\nout:\nexit",
        "mov %r2, 1\nstxdw [%r1+8], %r2\nlddw %r3, 0x123456789\nxor %r0, %r0\nexit",
        "mov32 %r0, -1\nlsh %r0, 3\narsh %r0, 1\nneg %r0\nexit",
        // Iterator-shaped programs (the verifier target's bpf_map_elem context).
        "ldxdw %r2, [%r1+16]\nldxdw %r3, [%r1+24]\njeq %r2, 0, out\njeq %r3, 0, out\n"
        "ldxw %r4, [%r2+0]\nstxw [%r3+4], %r4\nout:\nmov %r0, 0\nexit",
        "ldxdw %r2, [%r1+8]\njeq %r2, 0, out\nldxw %r3, [%r2+0]\nldxdw %r1, [%r1+0]\n"
        "ldxdw %r1, [%r1+0]\nstdw [%r10-8], 0\nmov %r2, %r10\nadd %r2, -8\nmov %r3, 8\n"
        "call 127\nout:\nmov %r0, 0\nexit",
        "ldxdw %r6, [%r1+24]\njeq %r6, 0, out\nmov %r0, 0\nloop:\nldxdw %r2, [%r6+0]\n"
        "add %r6, 8\nadd %r0, 1\njlt %r0, 4, loop\nout:\nmov %r0, 0\nexit",
        // Callbacks: bpf_loop over the caller's stack, bpf_for_each_map_elem
        // over map fd 3 writing values and reading keys.
        "stdw [%r10-8], 0\nmov %r1, 4\nld_func %r2, cb\nmov %r3, %r10\nadd %r3, -8\n"
        "mov %r4, 0\ncall 181\nldxdw %r1, [%r10-8]\nmov %r0, 0\nexit\n"
        "cb:\nldxdw %r3, [%r2]\nadd %r3, %r1\nstxdw [%r2], %r3\nmov %r0, 0\nexit",
        "stdw [%r10-8], 0\nld_map_fd %r1, 3\nld_func %r2, cb\nmov %r3, %r10\nadd %r3, -8\n"
        "mov %r4, 0\ncall 164\nmov %r0, 0\nexit\n"
        "cb:\nldxw %r5, [%r2]\nldxdw %r0, [%r3+8]\nadd %r0, %r5\nstxdw [%r3], %r0\n"
        "ldxdw %r1, [%r4]\nadd %r1, 1\nstxdw [%r4], %r1\nmov %r0, 0\nexit",
    };
    bool ok = true;
    int n = 0;
    auto daemon_btf = btf::Btf::parse(btf::daemon_btf_raw());  // CO-RE's target
    for (const char *text : programs) {
        auto insns = vm::assemble(text);
        if (!insns) {
            fprintf(stderr, "seed program %d: %s\n", n, insns.error().message.c_str());
            return false;
        }
        ok &= write_seed(dir, "asm_" + std::to_string(n++), insn_bytes(*insns));
    }
    for (const auto &path : objects) {
        // Objects the loader refuses (on purpose, like unsupported.bpf.o)
        // are seeds of the ELF target only.
        auto spec = elf::load_object_file(path);
        if (!spec) continue;
        std::vector<int> fds(spec->maps.size(), 3);
        if (!elf::relocate(*spec, fds, daemon_btf ? &*daemon_btf : nullptr)) continue;
        for (const auto &p : spec->programs) {
            Bytes b(p.insns.size() * sizeof(p.insns[0]));
            memcpy(b.data(), p.insns.data(), b.size());
            ok &= write_seed(dir, spec->name + "_" + p.name, b);
        }
    }
    return ok;
}

}  // namespace

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s OUTDIR [OBJECT.bpf.o...]\n", argv[0]);
        return 2;
    }
    std::string out = argv[1];
    std::vector<std::string> objects(argv + 2, argv + argc);
    for (const char *sub : {"", "/wire", "/dispatch", "/vm"}) {
        std::string d = out + sub;
        if (mkdir(d.c_str(), 0755) != 0 && errno != EEXIST) {
            fprintf(stderr, "cannot create %s: %s\n", d.c_str(), strerror(errno));
            return 1;
        }
    }
    bool ok = write_wire_seeds(out + "/wire") && write_dispatch_seeds(out + "/dispatch") &&
              write_vm_seeds(out + "/vm", objects);
    // A stamp for the build system: the corpus is complete.
    if (ok) ok = write_seed(out, ".complete", {});
    return ok ? 0 : 1;
}
