// bpffs-vm: runs one eBPF program the way a bpf_conformance plugin does.
//
//   echo "b7 00 00 00 2a 00 00 00 95 00 00 00 00 00 00 00" | bpffs-vm "01 02 03"
//
// The program arrives on stdin as hex bytes separated by white space (or as
// raw bytecode when stdin is not hex text). The first argument, when given,
// is the input memory as hex bytes; the program gets r1 = a copy of it and
// r2 = its length. r0 is printed in hex on stdout and the exit status is 0;
// a program that does not load or run prints the reason on stderr and exits 1.
#include <unistd.h>

#include <cctype>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "core/vm/interpreter.h"
#include "core/vm/program.h"

using namespace bpffs;

namespace {

constexpr const char *kUsage =
    "usage: bpffs-vm [OPTIONS] [MEMORY]\n"
    "\n"
    "Runs one eBPF program (the bpf_conformance plugin protocol).\n"
    "  stdin    the program: hex bytes separated by white space (e.g. \"b7 00 00 00 01 00 00 00\n"
    "           95 00 00 00 00 00 00 00\"), or raw bytecode if stdin is not hex text\n"
    "  MEMORY   input memory as hex bytes separated by spaces (may be empty); the program\n"
    "           gets r1 = a pointer to a copy of it and r2 = its length\n"
    "Prints r0 in hex and exits 0; on a load or run error prints the reason on stderr\n"
    "and exits 1 (2 for bad usage).\n"
    "\n"
    "Options:\n"
    "  --unchecked     run without bounds checks (trusts the program; default is checked)\n"
    "  --budget N      stop the run after N instructions (default 100000000)\n"
    "  --trace         print bpf_trace_printk output on stderr\n"
    "  -h, --help      show this help\n";

bool is_hex_text(const std::string &s) {
    for (unsigned char c : s)
        if (!std::isxdigit(c) && !std::isspace(c)) return false;
    return true;
}

// Parses "aa bb 0c" into bytes; false on a token that is not one hex byte.
bool parse_hex_bytes(const std::string &text, std::vector<uint8_t> &out) {
    std::istringstream in(text);
    std::string tok;
    while (in >> tok) {
        if (tok.size() > 2 || !is_hex_text(tok)) return false;
        out.push_back(uint8_t(std::strtoul(tok.c_str(), nullptr, 16)));
    }
    return true;
}

struct Options {
    bool checked = true;
    bool trace = false;
    uint64_t budget = vm::kDefaultBudget;
    std::string memory;
};

// Returns 0 to continue, or an exit status.
int parse_args(int argc, char **argv, Options &opt) {
    bool have_memory = false;
    std::vector<std::string> words;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a.rfind("-", 0) != 0 && !have_memory) {
            opt.memory = a;  // possibly empty
            have_memory = true;
            continue;
        }
        // bpf_conformance passes plugin options as one argument: split it.
        std::istringstream in(a);
        for (std::string w; in >> w;)
            words.push_back(w);
    }
    for (size_t i = 0; i < words.size(); ++i) {
        const std::string &w = words[i];
        if (w == "-h" || w == "--help") {
            std::fputs(kUsage, stdout);
            return -1;
        } else if (w == "--unchecked") {
            opt.checked = false;
        } else if (w == "--trace") {
            opt.trace = true;
        } else if (w == "--budget" && i + 1 < words.size()) {
            opt.budget = std::strtoull(words[++i].c_str(), nullptr, 0);
        } else {
            std::fprintf(stderr, "bpffs-vm: unknown option '%s'\n%s", w.c_str(), kUsage);
            return 2;
        }
    }
    return 0;
}

}  // namespace

int main(int argc, char **argv) {
    Options opt;
    if (int st = parse_args(argc, argv, opt); st != 0) return st < 0 ? 0 : st;

    std::vector<uint8_t> memory;
    if (!parse_hex_bytes(opt.memory, memory)) {
        std::fprintf(stderr,
                     "bpffs-vm: the memory argument must be hex bytes separated by spaces\n");
        return 2;
    }
    std::string input((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    std::vector<uint8_t> code;
    if (is_hex_text(input)) {
        if (!parse_hex_bytes(input, code)) {
            std::fprintf(stderr, "bpffs-vm: stdin must be hex bytes separated by spaces\n");
            return 2;
        }
    } else {
        code.assign(input.begin(), input.end());
    }
    if (code.size() % sizeof(vm::Insn) != 0) {
        std::fprintf(stderr, "bpffs-vm: the program is %zu bytes, not a multiple of 8\n",
                     code.size());
        return 1;
    }
    std::vector<vm::Insn> insns(code.size() / sizeof(vm::Insn));
    if (!code.empty()) std::memcpy(insns.data(), code.data(), code.size());

    vm::LoadOptions load;
    load.checked = opt.checked;
    auto prog = vm::Program::load(insns, load);
    if (!prog) {
        std::fprintf(stderr, "bpffs-vm: load failed: %s\n", prog.error().message.c_str());
        return 1;
    }
    vm::RunContext ctx;
    ctx.budget = opt.budget;
    if (opt.trace) ctx.trace_sink = [](std::string_view s) { std::cerr << s; };
    ctx.add_region(memory.data(), memory.size(), true);
    vm::RunArgs args;
    args.r[0] = memory.empty() ? 0 : reinterpret_cast<uint64_t>(memory.data());
    args.r[1] = memory.size();
    auto r0 = vm::Interpreter::instance().run(*prog, ctx, args);
    if (!r0) {
        std::fprintf(stderr, "bpffs-vm: run failed: %s\n", r0.error().message.c_str());
        return 1;
    }
    std::printf("%" PRIx64 "\n", *r0);
    return 0;
}
