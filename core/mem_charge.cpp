#include "core/mem_charge.h"

#include <atomic>
#include <cerrno>

namespace bpffs {

namespace {

std::atomic<uint64_t> g_limit{0};
std::atomic<uint64_t> g_used{0};

}  // namespace

namespace mem_budget {

void set_limit(uint64_t bytes) {
    g_limit.store(bytes, std::memory_order_relaxed);
}

uint64_t limit() {
    return g_limit.load(std::memory_order_relaxed);
}

uint64_t used() {
    return g_used.load(std::memory_order_relaxed);
}

bool try_charge(uint64_t bytes) {
    uint64_t cap = limit();
    uint64_t now = g_used.load(std::memory_order_relaxed);
    do {
        // Compared as "bytes > cap - now" so that a huge request cannot wrap.
        if (cap != 0 && (now > cap || bytes > cap - now)) return false;
    } while (!g_used.compare_exchange_weak(now, now + bytes, std::memory_order_relaxed));
    return true;
}

void uncharge(uint64_t bytes) {
    if (bytes != 0) g_used.fetch_sub(bytes, std::memory_order_relaxed);
}

std::string state() {
    uint64_t cap = limit(), now = used();
    uint64_t left = now < cap ? cap - now : 0;
    return "bpffsd's memory budget for maps (--max-memory " + std::to_string(cap) + " bytes) has " +
           std::to_string(left) + " bytes left";
}

std::string refusal(uint64_t wanted, std::string_view what) {
    return std::string(what) + " needs " + std::to_string(wanted) + " bytes, but " + state();
}

}  // namespace mem_budget

Result<MemCharge> MemCharge::take(uint64_t bytes, std::string_view what) {
    if (!mem_budget::try_charge(bytes)) return fail(ENOMEM, mem_budget::refusal(bytes, what));
    return MemCharge(bytes);
}

MemCharge &MemCharge::operator=(MemCharge &&other) noexcept {
    if (this != &other) {
        mem_budget::uncharge(bytes_);
        bytes_ = other.bytes_;
        other.bytes_ = 0;
    }
    return *this;
}

}  // namespace bpffs
