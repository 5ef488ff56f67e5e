// core/rcu: a retired slot is freed at once when nobody reads, and only
// after the read sections that could hold it otherwise.
#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "core/rcu.h"

using namespace bpffs;

namespace {

// A thread that stays in a read section until told to leave.
class HeldReader {
  public:
    HeldReader()
        : thread_([this] {
              rcu::ReadLock section;
              std::unique_lock lock(mutex_);
              inside_ = true;
              changed_.notify_all();
              changed_.wait(lock, [this] { return leave_; });
          }) {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [this] { return inside_; });
    }
    ~HeldReader() { leave(); }
    void leave() {
        {
            std::lock_guard lock(mutex_);
            leave_ = true;
        }
        changed_.notify_all();
        if (thread_.joinable()) thread_.join();
    }

  private:
    std::mutex mutex_;
    std::condition_variable changed_;
    bool inside_ = false;
    bool leave_ = false;
    std::thread thread_;
};

struct Freed {
    std::vector<uint32_t> slots;
    rcu::RetireList list{[this](uint32_t slot) { slots.push_back(slot); }};
};

}  // namespace

TEST_CASE("rcu: without readers a retired slot is freed at once") {
    Freed f;
    REQUIRE_FALSE(rcu::readers_active());
    f.list.retire(7);
    CHECK(f.slots == std::vector<uint32_t>{7});
    CHECK(f.list.pending() == 0);
}

TEST_CASE("rcu: a slot retired during a read section waits for its end") {
    Freed f;
    HeldReader reader;
    CHECK(rcu::readers_active());
    f.list.retire(1);
    f.list.retire(2);
    CHECK(f.slots.empty());
    CHECK(f.list.reclaim() == 0);
    CHECK(f.list.pending() == 2);
    reader.leave();
    CHECK_FALSE(rcu::readers_active());
    CHECK(f.list.reclaim() == 2);
    CHECK(f.slots == std::vector<uint32_t>{1, 2});
    CHECK(f.list.pending() == 0);
}

TEST_CASE("rcu: a reader that entered after the retirement does not hold the slot") {
    Freed f;
    auto early = std::make_unique<HeldReader>();
    f.list.retire(3);
    // The reclaim advances the epoch: a section entered afterwards is newer
    // than the retirement, and cannot have found the unlinked slot.
    CHECK(f.list.reclaim() == 0);
    HeldReader late;
    CHECK(f.list.reclaim() == 0);  // the early reader still holds it
    early.reset();
    CHECK(f.list.reclaim() == 1);
    CHECK(f.slots == std::vector<uint32_t>{3});
    // Retired while only the late reader reads: it waits for that one.
    f.list.retire(4);
    CHECK(f.list.reclaim() == 0);
    CHECK(f.list.pending() == 1);
}

TEST_CASE("rcu: read sections nest; the outermost one counts") {
    Freed f;
    std::atomic<int> step{0};
    std::thread reader([&] {
        rcu::ReadLock outer;
        {
            rcu::ReadLock inner;
            step = 1;
            while (step != 2)
                std::this_thread::yield();
        }
        step = 3;  // the inner section ended, the outer one goes on
        while (step != 4)
            std::this_thread::yield();
    });
    while (step != 1)
        std::this_thread::yield();
    f.list.retire(5);
    step = 2;
    while (step != 3)
        std::this_thread::yield();
    CHECK(f.list.reclaim() == 0);
    step = 4;
    reader.join();
    CHECK(f.list.reclaim() == 1);
}

TEST_CASE("rcu: slots pile up in batches and are reclaimed as readers come and go") {
    Freed f;
    std::atomic<bool> stop{false};
    // Readers in short sections, one after another, as iterator reads are.
    std::thread readers([&] {
        while (!stop) {
            rcu::ReadLock section;
            std::this_thread::yield();
        }
    });
    for (uint32_t slot = 0; slot < 10000; slot++)
        f.list.retire(slot);
    stop = true;
    readers.join();
    f.list.reclaim();
    CHECK(f.list.pending() == 0);
    CHECK(f.slots.size() == 10000);
}
