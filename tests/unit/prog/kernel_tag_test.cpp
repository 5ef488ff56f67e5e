// Program tags against the kernel's: the same instructions loaded into the
// kernel (as socket filters, which any BPF-capable kernel accepts) must give
// the tag that Prog::compute_tag gives. Skipped (77) without kernel BPF.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <linux/bpf.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstring>

#include "core/prog.h"
#include "core/vm/assembler.h"

using namespace bpffs;

namespace {

long sys_bpf(int cmd, bpf_attr &attr) {
    return syscall(SYS_bpf, cmd, &attr, sizeof attr);
}

int kernel_array_map() {
    bpf_attr attr{};
    attr.map_type = BPF_MAP_TYPE_ARRAY;
    attr.key_size = 4;
    attr.value_size = 8;
    attr.max_entries = 1;
    return static_cast<int>(sys_bpf(BPF_MAP_CREATE, attr));
}

std::array<uint8_t, 8> kernel_tag(const std::vector<vm::Insn> &insns) {
    static const char license[] = "GPL";
    bpf_attr attr{};
    attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
    attr.insns = reinterpret_cast<uintptr_t>(insns.data());
    attr.insn_cnt = static_cast<uint32_t>(insns.size());
    attr.license = reinterpret_cast<uintptr_t>(license);
    int fd = static_cast<int>(sys_bpf(BPF_PROG_LOAD, attr));
    REQUIRE(fd >= 0);
    bpf_prog_info info{};
    bpf_attr q{};
    q.info.bpf_fd = static_cast<uint32_t>(fd);
    q.info.info_len = sizeof info;
    q.info.info = reinterpret_cast<uintptr_t>(&info);
    REQUIRE(sys_bpf(BPF_OBJ_GET_INFO_BY_FD, q) == 0);
    close(fd);
    std::array<uint8_t, 8> tag{};
    std::memcpy(tag.data(), info.tag, 8);
    return tag;
}

std::vector<vm::Insn> assemble(const std::string &text) {
    auto insns = vm::assemble(text);
    REQUIRE(insns);
    return *insns;
}

}  // namespace

TEST_CASE("tags equal the kernel's") {
    int map_fd = kernel_array_map();
    REQUIRE(map_fd >= 0);
    const std::string fd = std::to_string(map_fd);
    const std::string programs[] = {
        "mov %r0, 0\nexit",
        "mov %r0, 1\nadd %r0, 41\njeq %r0, 42, +1\nmov %r0, 7\nexit",
        "lddw %r2, 0x1122334455667788\nmov %r0, 0\nexit",
        // A map lookup: the kernel blanks the fd in the LDDW before hashing.
        "stw [%r10-4], 0\nmov %r2, %r10\nadd %r2, -4\nld_map_fd %r1, " + fd +
            "\ncall 1\nmov %r0, 0\nexit",
        "ld_map_value %r1, " + fd + ", 0\nldxdw %r0, [%r1+0]\nmov %r0, 0\nexit",
    };
    for (const auto &text : programs) {
        INFO(text);
        auto insns = assemble(text);
        CHECK(Prog::compute_tag(insns) == kernel_tag(insns));
    }
    close(map_fd);
}

int main(int argc, char **argv) {
    // A trivial map tells whether this kernel lets us use BPF at all.
    int fd = kernel_array_map();
    if (fd < 0) {
        std::printf("SKIP: the kernel's bpf(2) is not usable here (%s)\n", std::strerror(errno));
        return 77;
    }
    close(fd);
    return Catch::Session().run(argc, argv);
}
