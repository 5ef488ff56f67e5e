// maps.debug and progs.debug in a pin tree: pinned at the root with mode
// 0400 and the daemon's owner, reachable despite the reserved dotted
// names, and readable through the open handler in the kernel's format.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <string>

#include "core/inode.h"
#include "core/map.h"
#include "core/pin_tree.h"
#include "iter/iter_open_handler.h"
#include "iter/preload.h"

using namespace bpffs;

namespace {

std::string read_pinned(PinTree &tree, const char *name) {
    Cred root;
    auto obj = tree.get(root, name, R_OK);
    REQUIRE(obj);
    IterOpenHandler handler;
    auto file = handler.open(*obj, root, O_RDONLY);
    REQUIRE(file);
    std::string text;
    char buf[512];
    for (;;) {
        auto n = (*file)->read(buf, sizeof buf, 0);
        REQUIRE(n);
        if (*n == 0) return text;
        text.append(buf, *n);
    }
}

}  // namespace

TEST_CASE("preload pins maps.debug and progs.debug, mode 0400, owned by the daemon") {
    PinTree tree(PinTreeOptions{});
    REQUIRE(preload_iterators(tree, 1234, 5678));
    Cred root;
    for (const char *name : {"maps.debug", "progs.debug"}) {
        auto st = tree.lookup(root, kRootIno, name);
        REQUIRE(st);
        CHECK(st->st_mode == (S_IFREG | 0400));
        CHECK(st->st_uid == 1234u);
        CHECK(st->st_gid == 5678u);
        tree.forget(st->st_ino, 1);
    }
    // The names stay reserved to everyone else.
    CHECK_FALSE(tree.lookup(root, kRootIno, "other.debug"));
    auto again = preload_iterators(tree, 0, 0);
    REQUIRE_FALSE(again);
    CHECK(again.error().code == EEXIST);

    MapSpec spec;
    spec.map_type = BPF_MAP_TYPE_HASH;
    spec.key_size = 4;
    spec.value_size = 4;
    spec.max_entries = 77;
    spec.name = "preload_seen";
    auto map = publish(*Map::create(spec, possible_cpus()));
    char line[64];
    std::snprintf(line, sizeof line, "%4u %-16s%6d\n", map->id(), "preload_seen", 77);
    const std::string maps = read_pinned(tree, "maps.debug");
    CHECK(maps.rfind("  id name             max_entries\n", 0) == 0);
    CHECK(maps.find(line) != std::string::npos);
    const std::string progs = read_pinned(tree, "progs.debug");
    CHECK(progs.rfind("  id name             attached\n", 0) == 0);
    CHECK(progs.find(" dump_bpf_map     bpf_map \n") != std::string::npos);
    CHECK(progs.find(" dump_bpf_prog    bpf_prog \n") != std::string::npos);
}
