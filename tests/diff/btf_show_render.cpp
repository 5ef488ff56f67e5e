// diff-btf-show, bpffsd's side: reads the kernel's output of
// btf_show_kernel.bpf.c, renders each object's raw bytes with
// core/btf/btf_show and the kernel's own BTF for every flag set, and
// compares with what bpf_seq_printf_btf printed. Hashed pointers
// (0x00000000xxxxxxxx, non-zero) are masked on both sides: the kernel
// hashes %p with a per-boot key.
//
// usage: btf_show_render VMLINUX_BTF KERNEL_OUTPUT
// Exit 0 when every rendering matches, 1 otherwise (differences printed).
#include <fstream>
#include <iostream>
#include <iterator>
#include <regex>
#include <string>

#include "core/btf/btf.h"
#include "core/btf/btf_show.h"

using namespace bpffs;

namespace {

std::string slurp(const char *path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string mask(const std::string &text) {
    static const std::regex hashed("0x00000000([0-9a-f]{8})");
    std::string out;
    std::sregex_iterator it(text.begin(), text.end(), hashed), end;
    size_t last = 0;
    for (; it != end; ++it) {
        out.append(text, last, it->position() - last);
        out.append(it->str(1) == "00000000" ? it->str() : "0xHASHED");
        last = it->position() + it->length();
    }
    out.append(text, last);
    return out;
}

}  // namespace

int main(int argc, char **argv) {
    if (argc != 3) {
        std::cerr << "usage: btf_show_render VMLINUX_BTF KERNEL_OUTPUT\n";
        return 2;
    }
    std::string vmlinux = slurp(argv[1]);
    auto btf = btf::Btf::parse(
        std::span(reinterpret_cast<const uint8_t *>(vmlinux.data()), vmlinux.size()));
    if (!btf) {
        std::cerr << "cannot parse " << argv[1] << ": " << btf.error().message << "\n";
        return 1;
    }
    std::string out = slurp(argv[2]);
    int objects = 0, compared = 0, failed = 0;
    size_t pos = out.find("==OBJ ");
    while (pos != std::string::npos) {
        unsigned size = 0, type_id = 0;
        if (std::sscanf(out.c_str() + pos, "==OBJ %u %u", &size, &type_id) != 2) break;
        size_t data = out.find('\n', pos) + 1;
        std::string raw = out.substr(data, size);
        objects++;
        pos = data + size;
        // The flag sections up to the next object.
        while (out.compare(pos, 9, "\n==FLAGS ") == 0) {
            uint64_t flags = std::stoull(out.substr(pos + 9));
            size_t start = out.find('\n', pos + 1) + 1;
            size_t end = out.find("\n==", start);
            std::string kernel = out.substr(start, end - start);
            std::string ours;
            int status = btf::show_type(*btf, type_id, raw.data(), flags, ours);
            compared++;
            if (status != 0 || mask(ours) != mask(kernel)) {
                failed++;
                std::cout << "type " << type_id << " flags " << flags << " (status " << status
                          << ")\n--- kernel\n"
                          << mask(kernel) << "\n--- bpffsd\n"
                          << mask(ours) << "\n";
            }
            pos = end;
        }
        pos = out.find("==OBJ ", pos);
    }
    if (objects == 0 || compared == 0) {
        std::cout << "no objects in the kernel's output\n";
        return 1;
    }
    std::cout << (failed ? "MISMATCH: " : "OK: ") << compared - failed << " of " << compared
              << " renderings of " << objects << " kernel objects identical\n";
    return failed ? 1 : 0;
}
