// The daemon's memory budget for maps (bpffsd --max-memory): the user-space
// stand-in for the memory cgroup the kernel charges map memory to. Maps
// charge what they allocate (array values and hash buckets when created,
// hash element chunks as the map grows) and uncharge it when freed; a
// charge that would pass the limit fails, and so does the command that
// needed the memory, with ENOMEM as in the kernel when the cgroup is full.
//
// One budget per process, shared by every map; no limit until set_limit().
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace bpffs {

namespace mem_budget {

// 0: no limit.
void set_limit(uint64_t bytes);
uint64_t limit();
// Bytes charged now.
uint64_t used();
// Charges bytes unless that would pass the limit.
bool try_charge(uint64_t bytes);
void uncharge(uint64_t bytes);
// Why a charge of `wanted` bytes for `what` failed, for the client.
std::string refusal(uint64_t wanted, std::string_view what);
// "bpffsd's memory budget for maps (--max-memory N bytes) has L bytes left".
std::string state();

}  // namespace mem_budget

// A charge held for as long as the memory it stands for.
class MemCharge {
  public:
    MemCharge() = default;
    // ENOMEM with mem_budget::refusal's sentence when the budget is short.
    static Result<MemCharge> take(uint64_t bytes, std::string_view what);
    MemCharge(MemCharge &&other) noexcept : bytes_(other.bytes_) { other.bytes_ = 0; }
    MemCharge &operator=(MemCharge &&other) noexcept;
    MemCharge(const MemCharge &) = delete;
    MemCharge &operator=(const MemCharge &) = delete;
    ~MemCharge() { mem_budget::uncharge(bytes_); }

    uint64_t bytes() const { return bytes_; }

  private:
    explicit MemCharge(uint64_t bytes) : bytes_(bytes) {}
    uint64_t bytes_ = 0;
};

}  // namespace bpffs
