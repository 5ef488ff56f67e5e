// The link and iterator commands (LINK_CREATE, ITER_CREATE, ITER_READ,
// LINK_UPDATE, LINK_DETACH, link ids and info, pinning links) through the
// daemon's dispatch, in process: a real pin tree, real maps, and the
// clang-compiled programs of iter_progs.bpf.c installed as program fds.
// The errno values are those observed on Linux 6.18 (spec 2.1-2.7, A.2).
#include <catch2/catch.hpp>

#include <linux/bpf.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "core/wire/link_messages.h"
#include "daemon/syscall.h"
#include "tests/unit/iter/bpf_fixture.h"

using namespace bpffs;
using namespace bpffs::wire;

namespace {

const std::string kMount = "/test/bpffs";

struct Fixture {
    PinTree tree{PinTreeOptions{}};
    Syscall sys{tree, SyscallOptions{kMount, possible_cpus(), "test"}};
    Session session{Cred{}};

    template <class Req>
    Reply run(Command c, const Req &req) {
        return sys.handle(session, static_cast<uint32_t>(c), encode(req)).reply;
    }
    Reply run_raw(Command c, const Bytes &payload) {
        return sys.handle(session, static_cast<uint32_t>(c), payload).reply;
    }
    uint32_t fd_of(const Reply &r) {
        INFO(r.message);
        REQUIRE(r.error == 0);
        return decode<FdReply>(r.body, "fd")->fd;
    }
    uint32_t prog(const char *name) {
        const InprocProgram *p = itest::progs().program(name);
        REQUIRE(p != nullptr);
        return static_cast<uint32_t>(*session.install(p->prog, 0));
    }
    uint32_t map(uint32_t type = BPF_MAP_TYPE_HASH, uint32_t entries = 8) {
        MapCreateRequest req;
        req.map_type = type;
        req.key_size = 4;
        req.value_size = 8;
        req.max_entries = entries;
        req.name = "m";
        return fd_of(run(Command::map_create, req));
    }
    void put(uint32_t map_fd, uint32_t key, uint64_t value) {
        MapUpdateRequest req{map_fd, Bytes(4), Bytes(8), 0};
        std::memcpy(req.key.data(), &key, 4);
        std::memcpy(req.value.data(), &value, 8);
        REQUIRE(run(Command::map_update_elem, req).error == 0);
    }
    static LinkCreateRequest elem_req(uint32_t prog_fd, uint32_t map_fd, uint32_t len = 16) {
        LinkCreateRequest req;
        req.prog_fd = prog_fd;
        req.attach_type = BPF_TRACE_ITER;
        req.iter_info = Bytes(len, 0);
        std::memcpy(req.iter_info->data(), &map_fd, std::min<uint32_t>(4, len));
        req.iter_info_len = len;
        return req;
    }
    Reply create(const LinkCreateRequest &req) { return run(Command::link_create, req); }
    uint32_t elem_link(uint32_t prog_fd, uint32_t map_fd) {
        return fd_of(create(elem_req(prog_fd, map_fd)));
    }
    Reply iter(uint32_t link_fd, uint32_t flags = 0) {
        return run(Command::iter_create, IterCreateRequest{link_fd, flags});
    }
    // One ITER_READ: the bytes, or the errno as a negative number in n.
    struct Read {
        std::string data;
        int error = 0;
    };
    Read read(uint32_t fd, uint64_t size) {
        auto r = run(Command::iter_read, IterReadRequest{fd, size});
        if (r.error != 0) return {"", r.error};
        auto body = decode<IterReadReply>(r.body, "read");
        REQUIRE(body);
        return {std::string(body->data.begin(), body->data.end()), 0};
    }
    std::string read_all(uint32_t fd, uint64_t chunk = 4096) {
        std::string out;
        for (int i = 0; i < 100000; ++i) {
            Read r = read(fd, chunk);
            REQUIRE(r.error == 0);
            if (r.data.empty()) return out;
            CHECK(r.data.size() <= chunk);
            out += r.data;
        }
        FAIL("the iterator never ended");
        return out;
    }
    LinkInfo info(uint32_t fd) {
        auto r = run(Command::obj_get_info_by_fd, InfoRequest{fd});
        REQUIRE(r.error == 0);
        auto ir = decode<InfoReply>(r.body, "info");
        REQUIRE(ir);
        REQUIRE(ir->kind == static_cast<uint32_t>(ObjectKind::link));
        auto li = decode<LinkInfo>(ir->body, "link info");
        REQUIRE(li);
        return *li;
    }
    int close(uint32_t fd) { return run(Command::close, CloseRequest{fd}).error; }
    uint32_t object_id(uint32_t fd) {
        auto r = run(Command::fdinfo, FdinfoRequest{fd});
        REQUIRE(r.error == 0);
        return decode<FdinfoReply>(r.body, "fdinfo")->id;
    }
    int link_by_id(uint32_t id, uint32_t *fd = nullptr) {
        auto r = run(Command::link_get_fd_by_id, GetFdByIdRequest{id, 0});
        if (r.error == 0 && fd != nullptr) *fd = decode<FdReply>(r.body, "fd")->fd;
        return r.error;
    }
};

}  // namespace

TEST_CASE_METHOD(Fixture, "LINK_CREATE, ITER_CREATE and ITER_READ print a map's elements") {
    uint32_t m = map(BPF_MAP_TYPE_ARRAY, 3);
    put(m, 0, 10);
    put(m, 1, 11);
    put(m, 2, 12);
    uint32_t p = prog("print_elem");
    uint32_t l = elem_link(p, m);

    LinkInfo li = info(l);
    CHECK(li.type == BPF_LINK_TYPE_ITER);
    CHECK(li.id != 0);
    CHECK(li.prog_id == itest::progs().program("print_elem")->prog->id());
    CHECK(li.target_name == "bpf_map_elem");
    CHECK(li.map_id == object_id(m));

    uint32_t it = fd_of(iter(l));
    CHECK(read_all(it) == "0 10\n1 11\n2 12\ndone 2\n");
    CHECK(read(it, 4096).data.empty());  // EOF stays EOF

    // Read sizes pass through unchanged: bs=1 gives one byte per read, a
    // zero-size read returns 0 and buffers one object (spec 1.4).
    uint32_t it1 = fd_of(iter(l));
    CHECK(read_all(it1, 1) == "0 10\n1 11\n2 12\ndone 2\n");
    uint32_t it0 = fd_of(iter(l));
    CHECK(read(it0, 0).data.empty());
    CHECK(read(it0, 4096).data == "0 10\n");
    CHECK(read(it0, 7).data == "1 11\n2 ");
}

TEST_CASE_METHOD(Fixture,
                 "LINK_CREATE: the kernel's checks, in the kernel's order (spec 2.1, A.2.1)") {
    uint32_t m = map();
    uint32_t p = prog("print_elem");
    uint32_t maps_prog = prog("list_maps");

    // The program fd: EBADF, then EINVAL for another object kind.
    CHECK(create(elem_req(99, m)).error == EBADF);
    CHECK(create(elem_req(m, m)).error == EINVAL);

    auto req = elem_req(p, m);
    req.attach_type = BPF_TRACE_FENTRY;
    CHECK(create(req).error == EINVAL);
    req = elem_req(p, m);
    req.target_fd = 5;
    CHECK(create(req).error == EINVAL);
    req = elem_req(p, m);
    req.flags = 1;
    CHECK(create(req).error == EINVAL);

    // iter_info: pointer and length together; tails must be zero.
    req = elem_req(p, m);
    req.iter_info_len = 0;
    req.iter_info = Bytes{};
    CHECK(create(req).error == EINVAL);  // a pointer with length 0
    req = elem_req(p, m);
    req.iter_info.reset();
    CHECK(create(req).error == EINVAL);  // a length without a pointer
    req = elem_req(p, m);
    req.iter_info.reset();
    req.iter_info_len = 0;
    CHECK(create(req).error == EBADF);  // no iter_info at all: map_fd 0
    CHECK(create(elem_req(p, m, 64)).error == 0);
    req = elem_req(p, m, 64);
    (*req.iter_info)[40] = 1;
    CHECK(create(req).error == E2BIG);
    req = elem_req(p, m, 8192);
    req.iter_info = Bytes{};  // libbpffs sends nothing past a page
    CHECK(create(req).error == E2BIG);
    CHECK(create(elem_req(p, m, 4)).error == 0);
    CHECK(create(elem_req(p, m, 2)).error == 0);  // fd 3..65535 fits in two bytes
    req = elem_req(p, m, 16);
    req.iter_info->resize(8);  // bytes that disagree with iter_info_len
    CHECK(create(req).error == EINVAL);

    // The map fd.
    CHECK(create(elem_req(p, 9999)).error == EBADF);
    CHECK(create(elem_req(p, p)).error == EINVAL);
    uint32_t it = fd_of(iter(elem_link(p, m)));
    CHECK(create(elem_req(p, it)).error == EINVAL);  // an iterator fd is not a map
    for (uint32_t type :
         {BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_PERCPU_HASH,
          BPF_MAP_TYPE_PERCPU_ARRAY, BPF_MAP_TYPE_LRU_HASH, BPF_MAP_TYPE_LRU_PERCPU_HASH})
        CHECK(create(elem_req(p, map(type))).error == 0);

    // The verifier's recorded key access (8 bytes at offset 8) is checked
    // against the map's 4-byte key: EACCES, as spec 2.2.
    if (itest::progs().program("read_past_key")->prog->verified())
        CHECK(create(elem_req(prog("read_past_key"), m)).error == EACCES);

    // Targets without a parameter ignore iter_info (a map fd is accepted).
    auto maps_link = create(elem_req(maps_prog, m));
    CHECK(maps_link.error == 0);
    CHECK(info(fd_of(maps_link)).map_id == 0);
    auto plain = elem_req(maps_prog, 0);
    plain.iter_info.reset();
    plain.iter_info_len = 0;
    CHECK(create(plain).error == 0);
}

TEST_CASE_METHOD(Fixture, "ITER_CREATE and ITER_READ take only what the kernel takes (spec 2.4)") {
    uint32_t m = map();
    uint32_t l = elem_link(prog("print_elem"), m);
    CHECK(iter(l, 1).error == EINVAL);
    CHECK(iter(m).error == EINVAL);
    CHECK(iter(9999).error == EBADF);
    uint32_t it = fd_of(iter(l));
    CHECK(iter(it).error == EINVAL);

    // read(2) of a map, program or link fd is EINVAL; of a closed fd EBADF.
    CHECK(read(m, 16).error == EINVAL);
    CHECK(read(l, 16).error == EINVAL);
    CHECK(read(9999, 16).error == EBADF);

    // An iterator fd is no BPF object: info, pin and fdinfo refuse it.
    CHECK(run(Command::obj_get_info_by_fd, InfoRequest{it}).error == EINVAL);
    CHECK(run(Command::obj_pin, ObjPinRequest{it, kMount + "/it", 0}).error == EINVAL);
    CHECK(run(Command::fdinfo, FdinfoRequest{it}).error == EINVAL);
    CHECK(close(it) == 0);
    CHECK(read(it, 16).error == EBADF);

    // A malformed request is EINVAL and names the command.
    auto bad = run_raw(Command::iter_read, Bytes{1, 2, 3});
    CHECK(bad.error == EINVAL);
    CHECK(bad.message.find("ITER_READ") != std::string::npos);
}

TEST_CASE_METHOD(Fixture, "an open iterator keeps the program and the map, not the link (4.10)") {
    uint32_t m = map();
    put(m, 7, 70);
    uint32_t l = elem_link(prog("print_elem"), m);
    uint32_t link_id = object_id(l), map_id = object_id(m);
    uint32_t it = fd_of(iter(l));
    CHECK(close(l) == 0);
    CHECK(close(m) == 0);
    // As on 6.18: the link's id is gone with its last fd...
    CHECK(link_by_id(link_id) == ENOENT);
    // ...while the iterator still holds the map and reads everything.
    auto held = run(Command::map_get_fd_by_id, GetFdByIdRequest{map_id, 0});
    REQUIRE(held.error == 0);
    CHECK(close(decode<FdReply>(held.body, "fd")->fd) == 0);
    CHECK(read_all(it) == "7 70\ndone 0\n");
    CHECK(close(it) == 0);
    CHECK(run(Command::map_get_fd_by_id, GetFdByIdRequest{map_id, 0}).error == ENOENT);
}

TEST_CASE_METHOD(Fixture, "OBJ_PIN and OBJ_GET of an iterator link") {
    uint32_t m = map();
    put(m, 1, 5);
    uint32_t l = elem_link(prog("print_elem"), m);
    uint32_t link_id = object_id(l);
    REQUIRE(run(Command::obj_pin, ObjPinRequest{l, kMount + "/it", 0}).error == 0);
    CHECK(close(l) == 0);
    CHECK(close(m) == 0);
    CHECK(link_by_id(link_id) == 0);  // the pin holds it

    CHECK(run(Command::obj_get, ObjGetRequest{kMount + "/it", BPF_F_RDONLY}).error == EINVAL);
    uint32_t got = fd_of(run(Command::obj_get, ObjGetRequest{kMount + "/it", 0}));
    CHECK(info(got).id == link_id);
    CHECK(read_all(fd_of(iter(got))) == "1 5\ndone 0\n");
}

TEST_CASE_METHOD(Fixture, "LINK_UPDATE: new program for later sessions; EPERM, EINVAL, EBADF") {
    uint32_t m = map(BPF_MAP_TYPE_ARRAY, 2);
    put(m, 0, 1);
    put(m, 1, 2);
    uint32_t print = prog("print_elem"), inc = prog("increment"), maps = prog("list_maps");
    uint32_t l = elem_link(print, m);
    uint32_t before = fd_of(iter(l));

    auto update = [&](uint32_t link, uint32_t new_prog, uint32_t flags = 0, uint32_t old = 0) {
        return run(Command::link_update, LinkUpdateRequest{link, new_prog, flags, old}).error;
    };
    CHECK(update(l, inc, BPF_F_REPLACE, inc) == EPERM);
    CHECK(update(l, inc, 0, inc) == EINVAL);  // old_prog_fd without BPF_F_REPLACE
    CHECK(update(l, inc, 2) == EINVAL);
    CHECK(update(l, m) == EINVAL);
    CHECK(update(m, inc) == EINVAL);
    CHECK(update(9999, inc) == EBADF);
    CHECK(update(l, 9999) == EBADF);
    CHECK(update(l, maps) == EINVAL);  // another target
    CHECK(update(l, inc, BPF_F_REPLACE, 9999) == EBADF);
    CHECK(info(l).prog_id == itest::progs().program("print_elem")->prog->id());

    CHECK(update(l, inc, BPF_F_REPLACE, print) == 0);
    CHECK(info(l).prog_id == itest::progs().program("increment")->prog->id());
    uint32_t after = fd_of(iter(l));
    // The iterator opened before the update keeps the old program.
    CHECK(read_all(after) == "0 2\n1 3\n");
    CHECK(read_all(before) == "0 2\n1 3\ndone 1\n");
    CHECK(update(l, print) == 0);
    CHECK(read_all(fd_of(iter(l))) == "0 2\n1 3\ndone 1\n");
}

TEST_CASE_METHOD(Fixture, "LINK_DETACH: EOPNOTSUPP for iterator links; the link keeps working") {
    uint32_t m = map();
    uint32_t l = elem_link(prog("print_elem"), m);
    CHECK(run(Command::link_detach, LinkDetachRequest{l}).error == EOPNOTSUPP);
    CHECK(run(Command::link_detach, LinkDetachRequest{m}).error == EINVAL);
    CHECK(run(Command::link_detach, LinkDetachRequest{9999}).error == EBADF);
    CHECK(read_all(fd_of(iter(l))) == "done 0\n");
}

TEST_CASE_METHOD(Fixture, "LINK_GET_NEXT_ID and LINK_GET_FD_BY_ID") {
    uint32_t m = map();
    uint32_t a = elem_link(prog("print_elem"), m), b = elem_link(prog("print_elem"), m);
    uint32_t ida = object_id(a), idb = object_id(b);
    CHECK(ida < idb);
    auto next = [&](uint32_t start, uint32_t *id) {
        auto r = run(Command::link_get_next_id, GetNextIdRequest{start});
        if (r.error == 0) *id = decode<IdReply>(r.body, "id")->id;
        return r.error;
    };
    uint32_t id = 0;
    REQUIRE(next(ida, &id) == 0);
    CHECK(id == idb);
    CHECK(next(idb, &id) == ENOENT);
    CHECK(next(0x7fffffff, &id) == EINVAL);
    CHECK(next(0xffffffff, &id) == EINVAL);

    uint32_t fd = 0;
    REQUIRE(link_by_id(ida, &fd) == 0);
    CHECK(info(fd).id == ida);
    CHECK(link_by_id(0) == ENOENT);
    CHECK(run(Command::link_get_fd_by_id, GetFdByIdRequest{ida, BPF_F_RDONLY}).error == EINVAL);

    Session user{Cred{1000, 1000, 0, 022, {}}};
    CHECK(sys.handle(user, static_cast<uint32_t>(Command::link_get_next_id),
                     encode(GetNextIdRequest{0}))
              .reply.error == EPERM);
    CHECK(sys.handle(user, static_cast<uint32_t>(Command::link_get_fd_by_id),
                     encode(GetFdByIdRequest{ida, 0}))
              .reply.error == EPERM);
}
