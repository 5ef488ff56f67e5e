// The BTF object: type information a client loaded with BTF_LOAD (a BPF
// object's .BTF), held by the programs and maps that refer to it and found
// by id like maps and programs (BTF_GET_NEXT_ID, BTF_GET_FD_BY_ID).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "core/btf/btf.h"
#include "core/object.h"
#include "core/result.h"

namespace bpffs {

class BtfObject : public Object {
  public:
    // Validates raw (the kernel's BTF encoding) and keeps it. Not yet
    // published (no id).
    static Result<std::shared_ptr<BtfObject>> create(std::span<const uint8_t> raw);

    const btf::Btf &btf() const { return btf_; }
    const std::vector<uint8_t> &raw() const { return btf_.raw(); }
    // BTF loaded by clients has no name; only the kernel's own ("vmlinux")
    // and modules' have one.
    const std::string &name() const { return name_; }

  private:
    explicit BtfObject(btf::Btf btf);

    btf::Btf btf_;
    std::string name_;
};

}  // namespace bpffs
