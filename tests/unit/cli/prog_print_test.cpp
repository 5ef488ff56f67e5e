// bpffsctl's program formatting without a daemon: the disassembler's
// notation (bpftool 7.1's, kernel 6.1's disasm.c with bpftool's callbacks),
// the xlated dump with BTF, and `prog show` records.
#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include "tests/bpf_insn.h"
#include "tests/unit/cli/capture.h"
#include "tools/bpffsctl/btf_value_dump.h"
#include "tools/bpffsctl/json_writer.h"
#include "tools/bpffsctl/prog_print.h"
#include "tools/bpffsctl/xlated_dump.h"

using namespace bpffsctl;
using bpffs::test::insn;

namespace {
// The type encodings of linux/btf.h, spelled out (the UAPI has no encoders).
constexpr uint32_t BTF_INFO_ENC(uint32_t kind, uint32_t kflag, uint32_t vlen) {
    return (kflag << 31) | (kind << 24) | vlen;
}
constexpr uint32_t BTF_INT_ENC(uint32_t encoding, uint32_t offset, uint32_t bits) {
    return (encoding << 24) | (offset << 16) | bits;
}

std::string text(bpf_insn a) {
    return insn_text({&a, 1});
}
std::string text2(bpf_insn a, bpf_insn b) {
    bpf_insn pair[2] = {a, b};
    return insn_text(pair);
}

// A hand-built BTF: int, a struct, a pointer to it, a FUNC_PROTO
// int (struct ctx *ctx) and a FUNC "f"; strings "\0int\0ctx\0f\0x = 1;\0a.c".
std::vector<uint8_t> tiny_btf() {
    const char strings[] = "\0int\0ctx\0f\0   x = 1;\0a.c";
    std::vector<uint32_t> types = {
        1, BTF_INFO_ENC(BTF_KIND_INT, 0, 0),
        4, BTF_INT_ENC(BTF_INT_SIGNED, 0, 32),  // [1] int
        5, BTF_INFO_ENC(BTF_KIND_STRUCT, 0, 0),
        0,  // [2] struct ctx
        0, BTF_INFO_ENC(BTF_KIND_PTR, 0, 0),
        2,  // [3] ptr
        0, BTF_INFO_ENC(BTF_KIND_FUNC_PROTO, 0, 1),
        1, 5,
        3,  // [4] proto
        9, BTF_INFO_ENC(BTF_KIND_FUNC, 0, BTF_FUNC_GLOBAL),
        4,  // [5] f
    };
    btf_header h{};
    h.magic = BTF_MAGIC;
    h.version = BTF_VERSION;
    h.hdr_len = sizeof h;
    h.type_off = 0;
    h.type_len = static_cast<uint32_t>(types.size() * 4);
    h.str_off = h.type_len;
    h.str_len = sizeof strings;
    std::vector<uint8_t> raw(sizeof h + h.type_len + h.str_len);
    memcpy(raw.data(), &h, sizeof h);
    memcpy(raw.data() + sizeof h, types.data(), h.type_len);
    memcpy(raw.data() + sizeof h + h.type_len, strings, sizeof strings);
    return raw;
}
}  // namespace

TEST_CASE("instructions read as bpftool 7.1 prints them") {
    CHECK(text(insn(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0)) == "(bf) r6 = r1");
    CHECK(text(insn(BPF_ALU | BPF_ADD | BPF_K, 2, 0, 0, -4)) == "(04) w2 += -4");
    CHECK(text(insn(BPF_ALU64 | BPF_NEG, 3, 0, 0, 0)) == "(87) r3 = -r3");
    CHECK(text(insn(BPF_ALU | BPF_END | BPF_TO_BE, 1, 0, 0, 16)) == "(dc) r1 = be16 r1");
    CHECK(text(insn(BPF_ALU64 | BPF_END, 1, 0, 0, 16)) == "BUG_alu64_d7");
    CHECK(text(insn(BPF_LDX | BPF_MEM | BPF_DW, 2, 1, 8, 0)) == "(79) r2 = *(u64 *)(r1 +8)");
    CHECK(text(insn(BPF_STX | BPF_MEM | BPF_W, 10, 1, -4, 0)) == "(63) *(u32 *)(r10 -4) = r1");
    CHECK(text(insn(BPF_ST | BPF_MEM | BPF_B, 10, 0, -1, 7)) == "(72) *(u8 *)(r10 -1) = 7");
    CHECK(text(insn(BPF_STX | BPF_ATOMIC | BPF_DW, 1, 2, 0, BPF_ADD)) ==
          "(db) lock *(u64 *)(r1 +0) += r2");
    CHECK(text(insn(BPF_STX | BPF_ATOMIC | BPF_W, 1, 2, 4, BPF_ADD | BPF_FETCH)) ==
          "(c3) r2 = atomic_fetch_add((u32 *)(r1 +4), r2)");
    CHECK(text(insn(BPF_STX | BPF_ATOMIC | BPF_DW, 1, 2, 0, BPF_CMPXCHG)) ==
          "(db) r0 = atomic64_cmpxchg((u64 *)(r1 +0), r0, r2)");
    CHECK(text(insn(BPF_JMP | BPF_JEQ | BPF_K, 2, 0, 16, 0)) == "(15) if r2 == 0x0 goto pc+16");
    CHECK(text(insn(BPF_JMP32 | BPF_JSGT | BPF_X, 1, 2, -3, 0)) == "(6e) if w1 s> w2 goto pc-3");
    CHECK(text(insn(BPF_JMP | BPF_JA, 0, 0, 57, 0)) == "(05) goto pc+57");
    CHECK(text(insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)) == "(95) exit");
    CHECK(text(insn(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_seq_printf)) ==
          "(85) call bpf_seq_printf#126");
    CHECK(text(insn(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 51)) == "(85) call pc+51");
    CHECK(text2(insn(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0, 23),
                insn(0, 0, 0, 0, 0)) == "(18) r1 = map[id:23]");
    CHECK(text2(insn(BPF_LD | BPF_IMM | BPF_DW, 2, BPF_PSEUDO_MAP_VALUE, 0, 24),
                insn(0, 0, 0, 0, 16)) == "(18) r2 = map[id:24][0]+16");
    CHECK(text2(insn(BPF_LD | BPF_IMM | BPF_DW, 1, 0, 0, -2), insn(0, 0, 0, 0, 0)) ==
          "(18) r1 = 0xfffffffe");
    CHECK(text2(insn(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_FUNC, 0, 5), insn(0, 0, 0, 0, 0)) ==
          "(18) r1 = subprog[+5]");
}

TEST_CASE("an xlated dump with BTF: signatures, source lines, opcodes, JSON") {
    auto raw = tiny_btf();
    auto btf = bpffs::btf::Btf::parse(raw);
    REQUIRE(btf);
    CHECK(btf_type_only(*btf, 5) == "int f(struct ctx * ctx)");

    XlatedProgram p;
    p.insns = {insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1),
               insn(BPF_LD | BPF_IMM | BPF_DW, 1, 0, 0, 7), insn(0, 0, 0, 0, 0),
               insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)};
    p.func_info = {{0, 5}};
    bpf_line_info l{};
    l.insn_off = 0;
    l.line_off = 11;  // "   x = 1;", left-trimmed on output
    l.file_name_off = 21;
    l.line_col = (3 << 10) | 5;
    p.line_info = {l};
    p.btf = &*btf;

    Capture plain;
    dump_xlated_plain(plain.f, p, {});
    CHECK(plain.text() ==
          "int f(struct ctx * ctx):\n"
          "; x = 1;\n"
          "   0: (b7) r0 = 1\n"
          "   1: (18) r1 = 0x7\n"
          "   3: (95) exit\n");

    Capture ops;
    DumpOptions o;
    o.opcodes = true;
    dump_xlated_plain(ops.f, p, o);
    CHECK(ops.text().find("   1: (18) r1 = 0x7\n       18 01 00 00 07 00 00 00 00 00 00 00 00 00 "
                          "00 00\n") != std::string::npos);

    Capture linum;
    o = {};
    o.linum = true;
    dump_xlated_plain(linum.f, p, o);
    CHECK(linum.text().find("; x = 1; [file:a.c line_num:3 line_col:5]\n") != std::string::npos);

    Capture js;
    JsonWriter jw(js.f);
    dump_xlated_json(jw, p, {});
    CHECK(js.text() ==
          "[{\"proto\":\"int f(struct ctx * ctx)\",\"src\":\"x = 1;\",\"disasm\":\"(b7) r0 = 1\"},"
          "{\"disasm\":\"(18) r1 = 0x7\"},{\"disasm\":\"(95) exit\"}]");
}

TEST_CASE("prog show records, plain and JSON") {
    ProgRecord rec;
    rec.info.id = 12;
    rec.info.type = BPF_PROG_TYPE_TRACING;
    strcpy(rec.info.name, "dump_bpf_map");
    const uint8_t tag[8] = {0xad, 0x62, 0x05, 0x2b, 0x18, 0x1c, 0x6f, 0xcc};
    memcpy(rec.info.tag, tag, 8);
    rec.info.gpl_compatible = 1;
    rec.info.load_time = 1;
    rec.info.xlated_prog_len = 624;
    rec.info.btf_id = 7;
    rec.full_name = "dump_bpf_map";
    rec.has_memlock = true;
    rec.memlock = 4096;
    rec.map_ids = {3, 1};
    rec.loaded_at_plain = "2026-11-22T06:10:51+0000";
    rec.loaded_at_json = "1795328451";
    CHECK(prog_record_plain(rec) ==
          "12: tracing  name dump_bpf_map  tag ad62052b181c6fcc  gpl\n"
          "\tloaded_at 2026-11-22T06:10:51+0000  uid 0\n"
          "\txlated 624B  not jited  memlock 4096B  map_ids 3,1\n"
          "\tbtf_id 7\n");
    Capture js;
    JsonWriter jw(js.f);
    prog_record_json(jw, rec);
    CHECK(js.text() ==
          "{\"id\":12,\"type\":\"tracing\",\"name\":\"dump_bpf_map\",\"tag\":\"ad62052b181c6fcc\","
          "\"gpl_compatible\":true,\"loaded_at\":1795328451,\"uid\":0,\"bytes_xlated\":624,"
          "\"jited\":false,\"bytes_memlock\":4096,\"map_ids\":[3,1],\"btf_id\":7}");
    CHECK(prog_type_name(BPF_PROG_TYPE_SOCKET_FILTER) == std::string("socket_filter"));
    CHECK(prog_type_name(1000) == nullptr);
    rec.info.type = 1000;
    CHECK(prog_header_plain(rec).rfind("12: type 1000  name", 0) == 0);
}

TEST_CASE("map values through BTF, as bpftool's btf_dumper prints them") {
    // [1] int, [2] char, [3] char[6], [4] enum e {A = 1, B = 2},
    // [5] struct s {int n; char name[6]; int bits:3 (at bit 80); enum e kind;}
    const char strings[] = "\0int\0char\0e\0A\0B\0s\0n\0name\0kind\0bits";
    // offsets: int 1, char 5, e 10, A 12, B 14, s 16, n 18, name 20, kind 25, bits 30
    std::vector<uint32_t> types = {
        1,
        BTF_INFO_ENC(BTF_KIND_INT, 0, 0),
        4,
        BTF_INT_ENC(BTF_INT_SIGNED, 0, 32),
        5,
        BTF_INFO_ENC(BTF_KIND_INT, 0, 0),
        1,
        BTF_INT_ENC(BTF_INT_SIGNED, 0, 8),
        0,
        BTF_INFO_ENC(BTF_KIND_ARRAY, 0, 0),
        0,
        2,
        1,
        6,
        10,
        BTF_INFO_ENC(BTF_KIND_ENUM, 0, 2),
        4,
        12,
        1,
        14,
        2,
        16,
        BTF_INFO_ENC(BTF_KIND_STRUCT, 1, 4),
        16,
        18,
        1,
        0,
        20,
        3,
        32,
        25,
        4,
        96,
        30,
        1,
        (3u << 24) | 80,
    };
    btf_header h{};
    h.magic = BTF_MAGIC;
    h.version = BTF_VERSION;
    h.hdr_len = sizeof h;
    h.type_len = static_cast<uint32_t>(types.size() * 4);
    h.str_off = h.type_len;
    h.str_len = sizeof strings;
    std::vector<uint8_t> raw(sizeof h + h.type_len + h.str_len);
    memcpy(raw.data(), &h, sizeof h);
    memcpy(raw.data() + sizeof h, types.data(), h.type_len);
    memcpy(raw.data() + sizeof h + h.type_len, strings, sizeof strings);
    auto btf = bpffs::btf::Btf::parse(raw);
    INFO((btf ? std::string() : btf.error().message));
    REQUIRE(btf);

    uint8_t value[16] = {};
    int32_t n = -3;
    memcpy(value, &n, 4);
    memcpy(value + 4, "abc", 4);
    int32_t kind = 2;
    memcpy(value + 12, &kind, 4);
    value[10] = 0x5;  // bits = 5
    Capture js;
    JsonWriter jw(js.f);
    CHECK(btf_dump_type(jw, *btf, 5, value, false) == 0);
    CHECK(js.text() == "{\"n\":-3,\"name\":\"abc\",\"kind\":\"B\",\"bits\":\"0x5\"}");

    bpf_map_info info{};
    info.key_size = 4;
    info.value_size = 16;
    info.btf_key_type_id = 1;
    info.btf_value_type_id = 4;
    uint8_t key[4] = {7, 0, 0, 0};
    uint8_t e[4] = {9, 0, 0, 0};  // no enumerator: printed as a number
    Capture kv;
    JsonWriter kw(kv.f);
    kw.set_pretty(true);
    CHECK(btf_dump_kv(kw, *btf, info, key, e, true, false, 1) == 0);
    CHECK(kv.text() == "{\n    \"key\": 7,\n    \"value\": 9\n}");
    // Data shorter than the type is refused, not read past.
    Capture bad;
    JsonWriter bw(bad.f);
    CHECK(btf_dump_type(bw, *btf, 5, std::span<const uint8_t>(value, 8), false) != 0);
}
