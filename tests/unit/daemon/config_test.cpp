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
