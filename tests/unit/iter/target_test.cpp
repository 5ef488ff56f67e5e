// The target registry and the target-side checks of link creation.
#include <catch2/catch.hpp>
#include <cerrno>

#include "tests/unit/iter/synthetic_target.h"

using namespace bpffs;

TEST_CASE("targets are registered once by name, found, listed and removed") {
    TargetRegistry reg;
    auto a = synth::counted_target(1);
    a->name = "alpha";
    auto b = synth::counted_target(1);
    b->name = "beta";
    REQUIRE(reg.add(b));
    REQUIRE(reg.add(a));
    CHECK(reg.find("alpha") == a);
    CHECK(reg.find("beta") == b);
    CHECK(reg.find("gamma") == nullptr);
    CHECK(reg.names() == std::vector<std::string>{"alpha", "beta"});

    auto again = reg.add(synth::counted_target(1));  // named "synthetic": fine
    CHECK(again);
    auto dup = synth::counted_target(1);
    dup->name = "alpha";
    auto st = reg.add(dup);
    REQUIRE_FALSE(st);
    CHECK(st.error().code == EEXIST);
    CHECK(reg.find("alpha") == a);

    REQUIRE(reg.remove("alpha"));
    CHECK(reg.find("alpha") == nullptr);
    auto gone = reg.remove("alpha");
    REQUIRE_FALSE(gone);
    CHECK(gone.error().code == ENOENT);
}

TEST_CASE("incomplete targets are refused") {
    TargetRegistry reg;
    auto unnamed = synth::counted_target(1);
    unnamed->name.clear();
    CHECK(reg.add(unnamed).error().code == EINVAL);
    auto no_next = synth::counted_target(1);
    no_next->next = nullptr;
    CHECK(reg.add(no_next).error().code == EINVAL);
    CHECK(reg.add(nullptr).error().code == EINVAL);
    CHECK(reg.names().empty());
}

TEST_CASE("the global registry is one object") {
    CHECK(&TargetRegistry::global() == &TargetRegistry::global());
}

TEST_CASE("2.3: sleepable programs attach only to RESCHED targets") {
    auto target = synth::counted_target(1);
    synth::Program sleepable({}, true), plain;
    auto st = target->check_attach(IterAux{}, sleepable);
    REQUIRE_FALSE(st);
    CHECK(st.error().code == EINVAL);
    CHECK(target->check_attach(IterAux{}, plain));
    target->features = kIterResched;
    CHECK(target->supports_resched());
    CHECK(target->check_attach(IterAux{}, sleepable));
}

TEST_CASE("2.2: link parameters are checked by kind") {
    synth::Program prog;
    SECTION("a required map that is missing is EBADF (map_fd 0)") {
        auto t = synth::counted_target(1);
        t->param = IterParam::map;
        t->param_required = true;
        CHECK(t->check_attach(IterAux{}, prog).error().code == EBADF);
        t->param_required = false;
        CHECK(t->check_attach(IterAux{}, prog));
    }
    SECTION("task targets take at most one of tid and pid") {
        auto t = synth::counted_target(1);
        t->param = IterParam::task;
        IterAux aux;
        aux.tid = 5;
        CHECK(t->check_attach(aux, prog));
        aux.pid = 6;
        CHECK(t->check_attach(aux, prog).error().code == EINVAL);
    }
    SECTION("cgroup targets need an order in 1..4") {
        auto t = synth::counted_target(1);
        t->param = IterParam::cgroup;
        IterAux aux;
        CHECK(t->check_attach(aux, prog).error().code == EINVAL);  // BPF_CGROUP_ITER_ORDER_UNSPEC
        for (uint32_t order = 1; order <= 4; ++order) {
            aux.cgroup_order = order;
            CHECK(t->check_attach(aux, prog));
        }
        aux.cgroup_order = 5;
        CHECK(t->check_attach(aux, prog).error().code == EINVAL);
    }
    SECTION("the target's own attach check runs last") {
        auto t = synth::counted_target(1);
        int runs = 0;
        t->attach = [&runs](const IterAux &, const IterProgram &) -> Status {
            ++runs;
            return fail(EACCES, "the program reads past the key");
        };
        CHECK(t->check_attach(IterAux{}, prog).error().code == EACCES);
        CHECK(runs == 1);
        synth::Program sleepable({}, true);
        CHECK(t->check_attach(IterAux{}, sleepable).error().code == EINVAL);
        CHECK(runs == 1);
    }
}

TEST_CASE("context layouts follow the kernel's structs") {
    CtxDescription map_elem{"bpf_iter__bpf_map_elem",
                            {{"map", "struct bpf_map *", CtxFieldKind::object_ptr, 8, false},
                             {"key", "void *", CtxFieldKind::rdonly_buf, 8, true},
                             {"value", "void *", CtxFieldKind::rdwr_buf, 8, true}}};
    CHECK(map_elem.offset_of(0) == 8);
    CHECK(map_elem.offset_of(1) == 16);
    CHECK(map_elem.offset_of(2) == 24);
    CHECK(map_elem.size() == 32);

    CtxDescription task_file{"bpf_iter__task_file",
                             {{"task", "struct task_struct *", CtxFieldKind::object_ptr, 8, true},
                              {"fd", "u32", CtxFieldKind::scalar, 4, false},
                              {"file", "struct file *", CtxFieldKind::object_ptr, 8, true}}};
    CHECK(task_file.offset_of(0) == 8);
    CHECK(task_file.offset_of(1) == 16);
    CHECK(task_file.offset_of(2) == 24);
    CHECK(task_file.size() == 32);

    CtxDescription udp{"bpf_iter__udp",
                       {{"udp_sk", "struct udp_sock *", CtxFieldKind::object_ptr, 8, true},
                        {"uid", "uid_t", CtxFieldKind::scalar, 4, false},
                        {"bucket", "int", CtxFieldKind::scalar, 4, false}}};
    CHECK(udp.offset_of(1) == 16);
    CHECK(udp.offset_of(2) == 20);
    CHECK(udp.size() == 24);
}

TEST_CASE("struct bpf_iter_meta has the kernel's layout") {
    CHECK(sizeof(IterMeta) == 24);
    CHECK(offsetof(IterMeta, session_id) == 8);
    CHECK(offsetof(IterMeta, seq_num) == 16);
}
