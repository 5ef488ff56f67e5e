#include <catch2/catch.hpp>

#include <cerrno>

#include "core/result.h"
#include "daemon/config.h"
#include "daemon/errno_name.h"
#include "daemon/mount_path.h"

using namespace bpffs;

TEST_CASE("mount options as bpffs parses them") {
    Config cfg;
    std::string ignored;
    REQUIRE(parse_mount_options("mode=0700,uid=1000,gid=1001,allow_other", cfg, ignored));
    CHECK(cfg.tree.root_mode == 0700);
    CHECK(cfg.tree.root_uid == 1000);
    CHECK(cfg.tree.root_gid == 1001);
    CHECK(cfg.allow_other);
    CHECK(ignored.empty());

    REQUIRE(parse_mount_options("mode=1755,foo=bar,,delegate_cmds=any", cfg, ignored));
    CHECK(cfg.tree.root_mode == 01755);
    CHECK(ignored == "foo,delegate_cmds");

    for (const char *bad : {"mode=999", "mode=", "uid=abc", "gid=4294967295", "mode", "uid=-1"}) {
        INFO(bad);
        auto st = parse_mount_options(bad, cfg, ignored);
        REQUIRE_FALSE(st);
        CHECK(st.error().code == EINVAL);
        CHECK(st.error().message.find("Bad value for") == 0);
    }
}

TEST_CASE("paths are stripped of the mount point, and only paths inside it") {
    CHECK(path_in_mount("/run/bpffs", "/run/bpffs/m") == "m");
    CHECK(path_in_mount("/run/bpffs", "/run/bpffs/dir/m") == "dir/m");
    CHECK(path_in_mount("/run/bpffs", "/run/bpffs") == "");
    CHECK(path_in_mount("/run/bpffs", "/run/bpffs/") == "");
    CHECK_FALSE(path_in_mount("/run/bpffs", "/run/bpffsX/m"));
    CHECK_FALSE(path_in_mount("/run/bpffs", "/run"));
    CHECK_FALSE(path_in_mount("/run/bpffs", "/tmp/m"));
    CHECK_FALSE(path_in_mount("/run/bpffs", "run/bpffs/m"));
    CHECK_FALSE(path_in_mount("/run/bpffs", ""));
    CHECK(path_in_mount("/", "/a/b") == "a/b");
}

TEST_CASE("errno names") {
    CHECK(errno_name(EINVAL) == "EINVAL");
    CHECK(errno_name(ENOENT) == "ENOENT");
    CHECK(errno_name(kENOTSUPP) == "ENOTSUPP");
    CHECK(errno_name(E2BIG) == "E2BIG");
    CHECK(errno_name(99999) == "errno 99999");
}

TEST_CASE("sizes on the command line") {
    CHECK(parse_size("0", "--max-memory") == 0u);
    CHECK(parse_size("4096", "--max-memory") == 4096u);
    CHECK(parse_size("64K", "--max-frame") == 64u << 10);
    CHECK(parse_size("512M", "--max-memory") == 512u << 20);
    CHECK(parse_size("2g", "--max-memory") == uint64_t{2} << 30);
    CHECK(parse_size("1T", "--max-memory") == uint64_t{1} << 40);
    CHECK(parse_size("16MiB", "--max-memory") == 16u << 20);
    CHECK(parse_size("16MB", "--max-memory") == 16u << 20);
    CHECK(parse_size("100B", "--max-memory") == 100u);
    for (const char *bad : {"", "M", "-1", "1.5G", "12Q", "10 M", "1MiBx", "1BB"}) {
        INFO(bad);
        auto size = parse_size(bad, "--max-memory");
        REQUIRE_FALSE(size);
        CHECK(size.error().code == EINVAL);
        CHECK(size.error().message.find("--max-memory") != std::string::npos);
    }
    auto huge = parse_size("99999999999T", "--max-memory");
    REQUIRE_FALSE(huge);
    CHECK(huge.error().code == ERANGE);
}
