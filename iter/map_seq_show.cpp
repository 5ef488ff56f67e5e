#include "iter/map_seq_show.h"

#include <cerrno>
#include <cstring>
#include <mutex>
#include <vector>

#include "core/btf/btf_show.h"
#include "core/btf_object.h"

namespace bpffs {
namespace {

constexpr const char *kHeader =
    "# WARNING!! The output is for debug purpose only\n"
    "# WARNING!! The output format will change\n";

// The bytes one rendering may produce at most: the kernel's seq_file grows
// its buffer as needed, a hostile BTF (huge arrays of empty structs) would
// otherwise print without end.
constexpr size_t kMaxElemText = 64u << 20;

void show(const btf::Btf &btf, uint32_t type_id, const void *data, std::string &out) {
    btf::show_type(btf, type_id, data, btf::kShowSeqFlags, out, {}, kMaxElemText);
}

// The open file: the generic seq_read over the map's keys. Elements are
// re-read at each step; no lock is held between reads.
class MapSeqFile final : public OpenFile {
  public:
    MapSeqFile(std::shared_ptr<Map> map, const btf::Btf &btf)
        : map_(std::move(map)),
          btf_(btf),
          key_(map_->key_size()),
          next_key_(map_->key_size()),
          value_(map_->user_value_size()) {}

    Result<size_t> read(char *buf, size_t size, off_t) override {
        std::lock_guard lock(mutex_);
        size_t copied = take_pending(buf, size);
        if (copied == size || !pending_.empty()) return copied;
        size_t want = size - copied;
        // One element at least, then more until the request is covered.
        while (!done_ && pending_.size() < want)
            show_and_advance();
        return copied + take_pending(buf + copied, want);
    }

  private:
    size_t take_pending(char *buf, size_t size) {
        size_t n = std::min(size, pending_.size() - from_);
        std::memcpy(buf, pending_.data() + from_, n);
        from_ += n;
        if (from_ == pending_.size()) {
            pending_.clear();
            from_ = 0;
        }
        return n;
    }

    // Shows the current record (the header, then keys in get_next_key
    // order) and moves to the next one. A key deleted meanwhile shows
    // nothing.
    void show_and_advance() {
        if (!started_) {
            pending_ += kHeader;
            started_ = true;
        } else if (map_->lookup(key_.data(), value_.data(), 0)) {
            pending_ += map_seq_show_elem(*map_, btf_, key_.data(), value_.data());
        }
        const void *prev = have_key_ ? key_.data() : nullptr;
        if (!map_->get_next_key(prev, next_key_.data())) {
            done_ = true;
            return;
        }
        key_.swap(next_key_);
        have_key_ = true;
    }

    std::mutex mutex_;
    std::shared_ptr<Map> map_;  // keeps the map, and with it its BTF, alive
    const btf::Btf &btf_;
    std::vector<uint8_t> key_, next_key_, value_;
    bool started_ = false;   // the header was shown
    bool have_key_ = false;  // key_ holds the current key
    bool done_ = false;
    std::string pending_;  // produced, not yet returned
    size_t from_ = 0;
};

bool percpu_array(const Map &map) {
    return map.type() == BPF_MAP_TYPE_PERCPU_ARRAY;
}

bool plain_array(const Map &map) {
    return map.type() == BPF_MAP_TYPE_ARRAY;
}

}  // namespace

const btf::Btf *map_show_btf(const Map &map) {
    const auto *object = dynamic_cast<const BtfObject *>(map.spec().btf.get());
    if (object == nullptr || map.spec().btf_value_type_id == 0) return nullptr;
    return &object->btf();
}

std::string map_seq_show_elem(const Map &map, const btf::Btf &btf, const void *key,
                              const void *value) {
    const MapSpec &spec = map.spec();
    std::string out;
    if (plain_array(map) || percpu_array(map)) {
        uint32_t index;
        std::memcpy(&index, key, sizeof(index));
        // A plain array without a key type (global data) shows no index.
        if (spec.btf_key_type_id != 0 || percpu_array(map)) out += std::to_string(index) + ": ";
    } else {
        show(btf, spec.btf_key_type_id, key, out);
        out += ": ";
    }
    if (!map.percpu()) {
        show(btf, spec.btf_value_type_id, value, out);
        out += "\n";
        return out;
    }
    size_t stride = (map.value_size() + 7) / 8 * 8;
    out += "{\n";
    for (unsigned cpu = 0; cpu < map.ncpus(); cpu++) {
        out += "\tcpu" + std::to_string(cpu) + ": ";
        show(btf, spec.btf_value_type_id, static_cast<const uint8_t *>(value) + cpu * stride, out);
        out += "\n";
    }
    out += "}\n";
    return out;
}

Result<std::unique_ptr<OpenFile>> MapOpenHandler::open(const std::shared_ptr<Object> &obj,
                                                       const Cred &, int) {
    auto map = std::dynamic_pointer_cast<Map>(obj);
    if (!map) return fail(EIO, "only maps are shown by this handler");
    const btf::Btf *btf = map_show_btf(*map);
    if (btf == nullptr)
        return fail(EIO, "map " + std::to_string(map->id()) +
                             " has no BTF for its values: it cannot be shown as text");
    return std::unique_ptr<OpenFile>(new MapSeqFile(std::move(map), *btf));
}

}  // namespace bpffs
