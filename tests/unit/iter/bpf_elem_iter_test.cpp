// The bpf_map_elem target with clang-compiled programs over real maps.
#include <string>

#include "tests/unit/iter/bpf_fixture.h"

using namespace itest;

namespace {

void fill(Map &m, uint32_t n, uint64_t base) {
    for (uint32_t k = 0; k < n; ++k) {
        uint64_t v = base + k;
        REQUIRE(m.update(&k, &v, BPF_ANY));
    }
}

std::string expected_lines(uint32_t n, uint64_t base, uint64_t add = 0) {
    std::string out;
    for (uint32_t k = 0; k < n; ++k)
        out += std::to_string(k) + " " + std::to_string(base + k + add) + "\n";
    return out;
}

std::string sorted_lines(const std::string &text) {
    std::vector<std::string> lines;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t nl = text.find('\n', pos);
        lines.push_back(text.substr(pos, nl - pos + 1));
        pos = nl + 1;
    }
    std::sort(lines.begin(), lines.end(), [](const std::string &a, const std::string &b) {
        return std::stoul(a) < std::stoul(b);
    });
    std::string out;
    for (auto &l : lines)
        out += l;
    return out;
}

}  // namespace

TEST_CASE("print_elem on an array prints every index, then the final call with the last seq_num") {
    auto map = make_map(BPF_MAP_TYPE_ARRAY, 5);
    fill(*map, 5, 100);
    IterAux aux;
    aux.map = map;
    auto link = make_link("print_elem", aux);
    auto r = read_link(*link);
    CHECK(r.error == 0);
    CHECK(r.text == expected_lines(5, 100) + "done 4\n");
    CHECK(link->map_id() == map->id());
    CHECK(link->target_name() == "bpf_map_elem");
}

TEST_CASE("print_elem on hash maps prints each element once") {
    for (uint32_t type : {BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_LRU_HASH}) {
        auto map = make_map(type, 64);
        fill(*map, 40, 7);
        IterAux aux;
        aux.map = map;
        auto r = read_link(*make_link("print_elem", aux));
        REQUIRE(r.error == 0);
        const std::string tail = "done 39\n";
        REQUIRE(r.text.size() > tail.size());
        CHECK(r.text.substr(r.text.size() - tail.size()) == tail);
        CHECK(sorted_lines(r.text.substr(0, r.text.size() - tail.size())) == expected_lines(40, 7));
    }
}

TEST_CASE("a walk that reached the end shows nothing inserted after it") {
    // The kernel's hash iterator rests past its last bucket: once the final
    // call ran, later reads of the session return 0 whatever was inserted.
    for (uint32_t already : {0u, 3u}) {
        INFO(already << " elements before the first read");
        auto map = make_map(BPF_MAP_TYPE_HASH, 64);
        fill(*map, already, 7);
        IterAux aux;
        aux.map = map;
        auto link = make_link("print_elem", aux);
        auto s = link->open_session();
        REQUIRE(s);
        auto first = read_all(**s);
        REQUIRE(first.error == 0);
        CHECK(first.text.find("done") != std::string::npos);
        for (uint32_t k = 100; k < 140; ++k) {
            uint64_t v = k;
            REQUIRE(map->update(&k, &v, BPF_ANY));
        }
        char buf[4096];
        auto n = (*s)->read(buf, sizeof buf);
        REQUIRE(n);
        CHECK(*n == 0);
    }
}

TEST_CASE("reads of 1, 7, 4096 and 65536 bytes give the same stream") {
    auto map = make_map(BPF_MAP_TYPE_ARRAY, 300);
    fill(*map, 300, 1000);
    IterAux aux;
    aux.map = map;
    auto link = make_link("print_elem", aux);
    const std::string expected = expected_lines(300, 1000) + "done 299\n";
    for (size_t chunk : {size_t(1), size_t(7), size_t(4096), size_t(65536)}) {
        auto r = read_link(*link, chunk);
        CHECK(r.error == 0);
        CHECK(r.text == expected);
    }
}

TEST_CASE("writes through value persist for plain maps") {
    for (uint32_t type : {BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_HASH}) {
        auto map = make_map(type, 4);
        fill(*map, 4, 10);
        IterAux aux;
        aux.map = map;
        auto link = make_link("increment", aux);
        CHECK(sorted_lines(read_link(*link).text) == expected_lines(4, 10, 1));
        CHECK(sorted_lines(read_link(*link).text) == expected_lines(4, 10, 2));
        uint32_t k = 3;
        uint64_t v = 0;
        REQUIRE(map->lookup(&k, &v, 0));
        CHECK(v == 15);
    }
}

TEST_CASE("per-CPU maps: the value is a copy of every CPU's value; writes do not persist") {
    // sum_percpu reads the first two CPUs' values (16 bytes): a map whose
    // per-CPU value is smaller is refused at attach (EACCES), as in the kernel.
    if (possible_cpus() < 2) {
        auto map = make_map(BPF_MAP_TYPE_PERCPU_ARRAY, 3);
        IterAux aux;
        aux.map = map;
        auto program = progs().iter_program("sum_percpu");
        REQUIRE(program);
        auto link = IterLink::create("bpf_map_elem", nullptr, *program, aux);
        REQUIRE_FALSE(link);
        CHECK(link.error().code == EACCES);
        return;
    }
    const unsigned ncpus = 2;
    set_globals({0, 0, 0, ncpus});
    for (uint32_t type :
         {BPF_MAP_TYPE_PERCPU_ARRAY, BPF_MAP_TYPE_PERCPU_HASH, BPF_MAP_TYPE_LRU_PERCPU_HASH}) {
        auto map = make_map(type, 3);
        for (uint32_t k = 0; k < 3; ++k) {
            std::vector<uint64_t> values(ncpus);
            for (unsigned c = 0; c < ncpus; ++c)
                values[c] = k * 100 + c;
            REQUIRE(map->update(&k, values.data(), BPF_ANY));
        }
        IterAux aux;
        aux.map = map;
        auto link = make_link("sum_percpu", aux);
        std::string expected;
        for (uint32_t k = 0; k < 3; ++k)
            expected += std::to_string(k) + " " +
                        std::to_string(k * 100 * ncpus + ncpus * (ncpus - 1) / 2) + "\n";
        CHECK(sorted_lines(read_link(*link).text) == expected);
        // The program added 1000 to CPU 0's copy: the map did not change.
        CHECK(sorted_lines(read_link(*link).text) == expected);
        uint32_t k = 1;
        std::vector<uint64_t> values(ncpus);
        REQUIRE(map->lookup(&k, values.data(), 0));
        CHECK(values[0] == 100);
    }
}

TEST_CASE("a program returning 1 for the first object of a read fails it with EAGAIN") {
    auto map = make_map(BPF_MAP_TYPE_ARRAY, 4);
    IterAux aux;
    aux.map = map;
    auto link = make_link("retry", aux);
    set_globals({0, 2, 1, 0});
    auto s = link->open_session();
    REQUIRE(s);
    char buf[4096];
    auto first = (*s)->read(buf, sizeof buf);
    REQUIRE(first);  // keys 0 and 1, then the retried key 2 ends the fill
    CHECK(std::string(buf, *first) == "0\n1\n");
    auto second = (*s)->read(buf, sizeof buf);
    REQUIRE_FALSE(second);
    CHECK(second.error().code == EAGAIN);
    set_globals({0, 2, 0, 0});
    auto third = (*s)->read(buf, sizeof buf);
    REQUIRE(third);
    CHECK(std::string(buf, *third) == "2\n3\n");
}

TEST_CASE("objects near and over the seq_file buffer") {
    const size_t size = SeqFile::default_size();
    auto map = make_map(BPF_MAP_TYPE_ARRAY, 3);
    IterAux aux;
    aux.map = map;
    auto link = make_link("print_big", aux);

    SECTION("an object of size - 1 bytes fits alone; reads return one object each") {
        set_globals({uint32_t(size - 1), 0, 0, 0});
        auto s = link->open_session();
        REQUIRE(s);
        std::string buf(65536, '\0');
        for (int i = 0; i < 3; ++i) {
            auto n = (*s)->read(buf.data(), buf.size());
            REQUIRE(n);
            CHECK(*n == size - 1);
            CHECK(buf[0] == char('A' + i));
        }
        auto end = (*s)->read(buf.data(), buf.size());
        REQUIRE(end);
        CHECK(*end == 0);
    }
    SECTION("an object of the buffer's size fails the read with E2BIG") {
        set_globals({uint32_t(size), 0, 0, 0});
        auto r = read_link(*link, 65536);
        CHECK(r.error == E2BIG);
        CHECK(r.text.empty());
    }
    SECTION("a 20000-byte object per read: the second does not fit with the first") {
        set_globals({20000, 0, 0, 0});
        auto r = read_link(*link, 65536);
        CHECK(r.error == 0);
        CHECK(r.text.size() == 60000);
    }
}

TEST_CASE("a program reading past the key is refused at attach with EACCES (spec 2.2)") {
    // read_past_key reads key bytes 8..15: the verifier recorded 16, the
    // array's key is 4 bytes.
    auto map = make_map(BPF_MAP_TYPE_ARRAY, 2);
    IterAux aux;
    aux.map = map;
    auto program = progs().iter_program("read_past_key");
    REQUIRE(program);
    REQUIRE((*program)->buffer_access());
    CHECK((*program)->buffer_access()->max_rdonly == 16);
    auto link = IterLink::create("bpf_map_elem", nullptr, *program, aux);
    REQUIRE_FALSE(link);
    CHECK(link.error().code == EACCES);
}

TEST_CASE("link creation follows the kernel's checks") {
    auto program = progs().iter_program("print_elem");
    REQUIRE(program);
    SECTION("unknown target: ENOENT") {
        auto l = IterLink::create("no_such_target", nullptr, *program, {});
        REQUIRE_FALSE(l);
        CHECK(l.error().code == ENOENT);
    }
    SECTION("bpf_map_elem without a map: EBADF") {
        auto l = IterLink::create("bpf_map_elem", nullptr, *program, {});
        REQUIRE_FALSE(l);
        CHECK(l.error().code == EBADF);
    }
    SECTION("bpf_map_elem over a map type it does not walk: EINVAL") {
        IterAux aux;
        aux.map = make_map(BPF_MAP_TYPE_LRU_HASH, 4);
        CHECK(IterLink::create("bpf_map_elem", nullptr, *program, aux));
        MapSpec spec;
        spec.map_type = BPF_MAP_TYPE_QUEUE;
        spec.value_size = 8;
        spec.max_entries = 4;
        if (auto q = Map::create(spec, possible_cpus())) {
            aux.map = *q;
            auto l = IterLink::create("bpf_map_elem", nullptr, *program, aux);
            REQUIRE_FALSE(l);
            CHECK(l.error().code == EINVAL);
        }
    }
    SECTION("sleepable program on bpf_map_elem: EINVAL") {
        IterAux aux;
        aux.map = make_map(BPF_MAP_TYPE_HASH, 4);
        auto sleepable =
            std::make_shared<BpfIterProgram>(progs().program("print_elem")->program, true);
        auto l = IterLink::create("bpf_map_elem", nullptr, sleepable, aux);
        REQUIRE_FALSE(l);
        CHECK(l.error().code == EINVAL);
    }
}

TEST_CASE(
    "link update: same target only, BPF_F_REPLACE checks the old program, open "
    "sessions keep theirs") {
    auto map = make_map(BPF_MAP_TYPE_ARRAY, 2);
    fill(*map, 2, 5);
    IterAux aux;
    aux.map = map;
    auto holder_a = make_map(BPF_MAP_TYPE_ARRAY, 1, "prog_a");  // stands in for a Prog object
    auto holder_b = make_map(BPF_MAP_TYPE_ARRAY, 1, "prog_b");
    auto link =
        *IterLink::create("bpf_map_elem", holder_a, *progs().iter_program("print_elem"), aux);
    CHECK(link->prog_id() == holder_a->id());
    auto before = link->open_session();
    REQUIRE(before);

    auto list = progs().iter_program("list_maps");
    auto wrong_target = link->update_program(holder_b, *list, "bpf_map", nullptr);
    REQUIRE_FALSE(wrong_target);
    CHECK(wrong_target.error().code == EINVAL);
    auto inc = *progs().iter_program("increment");
    auto wrong_old = link->update_program(holder_b, inc, "bpf_map_elem", holder_b.get());
    REQUIRE_FALSE(wrong_old);
    CHECK(wrong_old.error().code == EPERM);
    REQUIRE(link->update_program(holder_b, inc, "bpf_map_elem", holder_a.get()));
    CHECK(link->prog_id() == holder_b->id());

    CHECK(read_all(**before).text == expected_lines(2, 5) + "done 1\n");
    CHECK(read_link(*link).text == expected_lines(2, 5, 1));
    CHECK(link->detach().error().code == EOPNOTSUPP);
}
