#include "core/btf_object.h"

#include <cerrno>

namespace bpffs {

namespace {
// The kernel's BTF_MAX_SIZE: 16 MiB.
constexpr size_t kMaxBtfSize = 16u << 20;
}  // namespace

Result<std::shared_ptr<BtfObject>> BtfObject::create(std::span<const uint8_t> raw) {
    if (raw.empty()) return fail(EINVAL, "the BTF blob is empty");
    if (raw.size() > kMaxBtfSize)
        return fail(E2BIG, "the BTF blob of " + std::to_string(raw.size()) +
                               " bytes is larger than the limit of 16 MiB");
    auto parsed = btf::Btf::parse(raw);
    if (!parsed) return tl::unexpected(parsed.error());
    return std::shared_ptr<BtfObject>(new BtfObject(std::move(*parsed)));
}

BtfObject::BtfObject(btf::Btf btf) : Object(ObjectKind::btf), btf_(std::move(btf)) {}

}  // namespace bpffs
