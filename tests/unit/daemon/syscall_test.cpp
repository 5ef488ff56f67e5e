// The command dispatch against a real pin tree and real maps, without a
// socket or a mount: the checks and their errno values.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/map.h"
#include "core/wire/frame.h"
#include "core/wire/messages.h"
#include "daemon/syscall.h"

using namespace bpffs;
using namespace bpffs::wire;

namespace {

const std::string kMount = "/test/bpffs";

struct Link : Object {
    Link() : Object(ObjectKind::link) {}
};

struct Fixture {
    PinTree tree{PinTreeOptions{}};
    Syscall sys{tree, SyscallOptions{kMount, 2, "test"}};
    Session session{Cred{}};

    template <class Req>
    Reply run(Command c, const Req &req) {
        return sys.handle(session, static_cast<uint32_t>(c), encode(req)).reply;
    }
    int create(uint32_t type = BPF_MAP_TYPE_HASH, uint32_t flags = 0, uint32_t value_size = 8) {
        MapCreateRequest req;
        req.map_type = type;
        req.key_size = 4;
        req.value_size = value_size;
        req.max_entries = 8;
        req.map_flags = flags;
        req.name = "t";
        auto r = run(Command::map_create, req);
        REQUIRE(r.error == 0);
        return static_cast<int>(decode<FdReply>(r.body, "fd")->fd);
    }
    int update(int fd, uint32_t key, uint64_t value, uint64_t flags = 0) {
        MapUpdateRequest req{static_cast<uint32_t>(fd), Bytes(4), Bytes(8), flags};
        memcpy(req.key.data(), &key, 4);
        memcpy(req.value.data(), &value, 8);
        return run(Command::map_update_elem, req).error;
    }
    int lookup(int fd, uint32_t key, uint64_t *value = nullptr) {
        MapLookupRequest req{static_cast<uint32_t>(fd), Bytes(4), 0};
        memcpy(req.key.data(), &key, 4);
        auto r = run(Command::map_lookup_elem, req);
        if (r.error == 0 && value != nullptr)
            memcpy(value, decode<ValueReply>(r.body, "v")->value.data(), 8);
        return r.error;
    }
    Reply get(const std::string &path, uint32_t flags) {
        return run(Command::obj_get, ObjGetRequest{path, flags});
    }
};

}  // namespace

TEST_CASE_METHOD(Fixture, "map commands go to the map through the fd") {
    int fd = create();
    CHECK(fd == 3);
    CHECK(update(fd, 1, 42) == 0);
    uint64_t v = 0;
    CHECK(lookup(fd, 1, &v) == 0);
    CHECK(v == 42);
    CHECK(lookup(fd, 2) == ENOENT);
    CHECK(update(fd, 1, 1, BPF_NOEXIST) == EEXIST);
    CHECK(lookup(99, 1) == EBADF);

    // Keys and values must have the map's sizes.
    auto r = run(Command::map_lookup_elem, MapLookupRequest{3, Bytes(3), 0});
    CHECK(r.error == EINVAL);
    CHECK(r.message.find("key of 3 bytes") != std::string::npos);
    CHECK(run(Command::map_lookup_elem, MapLookupRequest{3, Bytes(4), 2}).error == EINVAL);

    auto next = run(Command::map_get_next_key, MapGetNextKeyRequest{3, std::nullopt});
    REQUIRE(next.error == 0);
    CHECK(decode<KeyReply>(next.body, "k")->key == Bytes{1, 0, 0, 0});

    auto info = run(Command::obj_get_info_by_fd, InfoRequest{3});
    REQUIRE(info.error == 0);
    auto ir = decode<InfoReply>(info.body, "i");
    REQUIRE(ir);
    auto mi = decode<MapInfo>(ir->body, "m");
    REQUIRE(mi);
    CHECK(mi->type == BPF_MAP_TYPE_HASH);
    CHECK(mi->max_entries == 8);
    CHECK(mi->name == "t");

    auto fi = run(Command::fdinfo, FdinfoRequest{3});
    REQUIRE(fi.error == 0);
    CHECK(decode<FdinfoReply>(fi.body, "f")->user_value_size == 8);
}

TEST_CASE_METHOD(Fixture, "per-CPU values carry every CPU, rounded up to 8 bytes") {
    int fd = create(BPF_MAP_TYPE_PERCPU_ARRAY, 0, 4);
    auto fi = decode<FdinfoReply>(run(Command::fdinfo, FdinfoRequest{uint32_t(fd)}).body, "f");
    REQUIRE(fi);
    CHECK(fi->user_value_size == 16);  // 2 CPUs in this fixture
    CHECK(run(Command::map_update_elem, MapUpdateRequest{uint32_t(fd), Bytes(4), Bytes(4), 0})
              .error == EINVAL);
    CHECK(run(Command::map_update_elem, MapUpdateRequest{uint32_t(fd), Bytes(4), Bytes(16), 0})
              .error == 0);
}

TEST_CASE_METHOD(Fixture, "fd modes and freezing") {
    int ro = create(BPF_MAP_TYPE_HASH, BPF_F_RDONLY);
    CHECK(update(ro, 1, 1) == EPERM);
    CHECK(lookup(ro, 1) == ENOENT);
    CHECK(run(Command::map_freeze, MapFdRequest{uint32_t(ro)}).error == EPERM);

    int wo = create(BPF_MAP_TYPE_HASH, BPF_F_WRONLY);
    CHECK(update(wo, 1, 1) == 0);
    CHECK(lookup(wo, 1) == EPERM);
    CHECK(run(Command::map_get_next_key, MapGetNextKeyRequest{uint32_t(wo), std::nullopt}).error ==
          EPERM);
    CHECK(run(Command::map_lookup_and_delete_elem, MapLookupRequest{uint32_t(wo), Bytes(4), 0})
              .error == EPERM);

    int fd = create();
    CHECK(update(fd, 1, 1) == 0);
    CHECK(run(Command::map_freeze, MapFdRequest{uint32_t(fd)}).error == 0);
    CHECK(update(fd, 1, 2) == EPERM);
    CHECK(lookup(fd, 1) == 0);
    CHECK(run(Command::map_freeze, MapFdRequest{uint32_t(fd)}).error == EPERM);

    // A fd of another kind is EINVAL for map commands.
    auto link = publish(std::make_shared<Link>());
    int lfd = *session.install(link, 0);
    auto r = run(Command::map_lookup_elem, MapLookupRequest{uint32_t(lfd), Bytes(4), 0});
    CHECK(r.error == EINVAL);
    CHECK(r.message.find("link") != std::string::npos);
}

TEST_CASE_METHOD(Fixture, "OBJ_PIN and OBJ_GET rules") {
    int fd = create();
    CHECK(run(Command::obj_pin, ObjPinRequest{uint32_t(fd), kMount + "/m", 1}).error == EINVAL);
    CHECK(run(Command::obj_pin, ObjPinRequest{77, kMount + "/m", 0}).error == EINVAL);
    CHECK(run(Command::obj_pin, ObjPinRequest{uint32_t(fd), "/elsewhere/m", 0}).error == EPERM);
    CHECK(run(Command::obj_pin, ObjPinRequest{uint32_t(fd), kMount + "X/m", 0}).error == EPERM);
    REQUIRE(run(Command::obj_pin, ObjPinRequest{uint32_t(fd), kMount + "/m", 0}).error == 0);
    CHECK(run(Command::obj_pin, ObjPinRequest{uint32_t(fd), kMount + "/m", 0}).error == EEXIST);

    CHECK(get(kMount + "/m", BPF_F_RDONLY | BPF_F_WRONLY).error == EINVAL);
    CHECK(get(kMount + "/m", 0x4000).error == EINVAL);
    CHECK(get(kMount + "/missing", 0).error == ENOENT);
    CHECK(get("/definitely/not/there", 0).error == ENOENT);

    auto r = get(kMount + "/m", BPF_F_RDONLY);
    REQUIRE(r.error == 0);
    int rfd = static_cast<int>(decode<FdReply>(r.body, "fd")->fd);
    CHECK(session.get(rfd)->flags == BPF_F_RDONLY);
    CHECK(session.get(rfd)->obj == session.get(fd)->obj);
    CHECK(update(rfd, 1, 1) == EPERM);

    // Links: only without RDONLY/WRONLY.
    auto link = publish(std::make_shared<Link>());
    int lfd = *session.install(link, 0);
    REQUIRE(run(Command::obj_pin, ObjPinRequest{uint32_t(lfd), kMount + "/l", 0}).error == 0);
    CHECK(get(kMount + "/l", BPF_F_RDONLY).error == EINVAL);
    CHECK(get(kMount + "/l", 0).error == 0);
}

TEST_CASE_METHOD(Fixture, "ids need root, like CAP_SYS_ADMIN") {
    int fd = create();
    uint32_t id = session.get(fd)->obj->id();
    auto r = run(Command::map_get_fd_by_id, GetFdByIdRequest{id, 0});
    REQUIRE(r.error == 0);
    CHECK(run(Command::map_get_fd_by_id, GetFdByIdRequest{id, 3 << 3}).error == EINVAL);
    CHECK(run(Command::map_get_next_id, GetNextIdRequest{id - 1}).error == 0);

    Session user(Cred{1000, 1000, 1, 022, {}});
    auto as_user = sys.handle(user, static_cast<uint32_t>(Command::map_get_next_id),
                              encode(GetNextIdRequest{0}));
    CHECK(as_user.reply.error == EPERM);
    as_user = sys.handle(user, static_cast<uint32_t>(Command::map_get_fd_by_id),
                         encode(GetFdByIdRequest{id, 0}));
    CHECK(as_user.reply.error == EPERM);
}

TEST_CASE_METHOD(Fixture, "GET_NEXT_ID refuses start ids from INT_MAX up, before privilege") {
    // As the kernel (checked on Linux 6.18): 0x7ffffffe is ENOENT, INT_MAX
    // and above EINVAL, for root and for others (who otherwise get EPERM).
    Session user(Cred{1000, 1000, 1, 022, {}});
    for (Command c : {Command::map_get_next_id, Command::prog_get_next_id, Command::btf_get_next_id,
                      Command::link_get_next_id}) {
        INFO(command_name(c));
        CHECK(run(c, GetNextIdRequest{0x7ffffffe}).error == ENOENT);
        for (uint32_t start : {0x7fffffffu, 0x80000000u, 0xffffffffu}) {
            CHECK(run(c, GetNextIdRequest{start}).error == EINVAL);
            CHECK(sys.handle(user, static_cast<uint32_t>(c), encode(GetNextIdRequest{start}))
                      .reply.error == EINVAL);
        }
        CHECK(sys.handle(user, static_cast<uint32_t>(c), encode(GetNextIdRequest{0x7ffffffe}))
                  .reply.error == EPERM);
    }
}

TEST_CASE_METHOD(Fixture, "lookup batches report the last elements with ENOENT") {
    int fd = create(BPF_MAP_TYPE_ARRAY);
    MapBatchRequest req;
    req.fd = static_cast<uint32_t>(fd);
    req.count = 5;
    auto r = run(Command::map_lookup_batch, req);
    REQUIRE(r.error == 0);
    auto b = decode<MapBatchReply>(r.body, "b");
    REQUIRE(b);
    CHECK(b->count == 5);
    CHECK(b->keys.size() == 20);
    req.in_batch = b->out_batch;
    r = run(Command::map_lookup_batch, req);
    CHECK(r.error == ENOENT);
    b = decode<MapBatchReply>(r.body, "b");
    REQUIRE(b);
    CHECK(b->count == 3);
    CHECK(b->values.size() == 24);

    req.in_batch = Bytes(3);
    CHECK(run(Command::map_lookup_batch, req).error == EINVAL);
    req.in_batch.reset();
    req.flags = 1;
    CHECK(run(Command::map_lookup_batch, req).error == EINVAL);

    MapBatchRequest upd;
    upd.fd = static_cast<uint32_t>(fd);
    upd.count = 2;
    upd.keys = Bytes(8);
    upd.values = Bytes(8);  // needs 16
    CHECK(run(Command::map_update_batch, upd).error == EINVAL);
}

TEST_CASE_METHOD(Fixture, "HELLO, unknown commands and malformed payloads") {
    auto hello = run(Command::hello, HelloRequest{kProtocolVersion, 077});
    REQUIRE(hello.error == 0);
    auto h = decode<HelloReply>(hello.body, "h");
    REQUIRE(h);
    CHECK(h->mountpoint == kMount);
    CHECK(session.cred().umask == 077);
    CHECK(run(Command::hello, HelloRequest{kProtocolVersion + 1, 0}).error == EPROTONOSUPPORT);

    auto unknown = sys.handle(session, 9, {});  // BPF_PROG_DETACH
    CHECK(unknown.reply.error == EINVAL);
    CHECK(unknown.reply.message == "unknown command 9");
    Bytes junk{1, 2, 3};
    auto bad = sys.handle(session, 0, junk);
    CHECK(bad.reply.error == EINVAL);
    CHECK(bad.reply.message.find("malformed") != std::string::npos);
}
