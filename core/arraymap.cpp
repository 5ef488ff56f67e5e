#include "core/arraymap.h"

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

namespace bpffs {
namespace {

// Sizes of kernel 6.18 (x86_64) that enter the memlock figure
// (array_map_mem_usage); checked against bpftool on that kernel.
constexpr uint64_t kKernelArraySize = 312;  // struct bpf_array
constexpr uint64_t kPageSize = 4096;
// PCPU_MIN_UNIT_SIZE: the largest per-CPU value.
constexpr uint64_t kPercpuMaxValue = 32768;

constexpr uint64_t round8(uint64_t n) {
    return (n + 7) & ~uint64_t{7};
}
constexpr uint64_t page_align(uint64_t n) {
    return (n + kPageSize - 1) & ~(kPageSize - 1);
}

constexpr uint32_t kFlagMask = BPF_F_NUMA_NODE | BPF_F_MMAPABLE | BPF_F_RDONLY | BPF_F_WRONLY |
                               BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG | BPF_F_PRESERVE_ELEMS |
                               BPF_F_INNER_MAP;

std::string hex(uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%x", v);
    return buf;
}

// array_map_alloc_check, in the kernel's order.
Status check_spec(const MapSpec &spec) {
    bool percpu = spec.map_type == BPF_MAP_TYPE_PERCPU_ARRAY;
    if (spec.max_entries == 0 || spec.value_size == 0)
        return fail(EINVAL, "an array map needs value_size and max_entries above 0");
    if (spec.key_size != 4)
        return fail(EINVAL, "an array map's key is a 4-byte index: key_size must be 4");
    if (spec.map_flags & ~kFlagMask)
        return fail(EINVAL, "unknown or unsupported map_flags for an array map: " +
                                hex(spec.map_flags & ~kFlagMask));
    if ((spec.map_flags & BPF_F_RDONLY_PROG) && (spec.map_flags & BPF_F_WRONLY_PROG))
        return fail(EINVAL, "BPF_F_RDONLY_PROG and BPF_F_WRONLY_PROG cannot be combined");
    if (percpu && (spec.map_flags & BPF_F_NUMA_NODE))
        return fail(EINVAL, "BPF_F_NUMA_NODE cannot be used with a per-CPU array");
    if (spec.map_type != BPF_MAP_TYPE_ARRAY &&
        (spec.map_flags & (BPF_F_MMAPABLE | BPF_F_INNER_MAP)))
        return fail(EINVAL, "BPF_F_MMAPABLE and BPF_F_INNER_MAP are only for plain arrays");
    // BPF_F_PRESERVE_ELEMS belongs to perf event arrays.
    if (spec.map_flags & BPF_F_PRESERVE_ELEMS)
        return fail(EINVAL, "BPF_F_PRESERVE_ELEMS is only for perf event arrays");
    if (spec.value_size > INT_MAX)
        return fail(E2BIG, "value_size may be at most " + std::to_string(INT_MAX) + " bytes");
    if (percpu && round8(spec.value_size) > kPercpuMaxValue)
        return fail(E2BIG,
                    "a per-CPU value may be at most " + std::to_string(kPercpuMaxValue) + " bytes");
    return ok();
}

}  // namespace

Result<std::shared_ptr<Map>> arraymap_create(const MapSpec &spec, unsigned ncpus) {
    if (auto st = check_spec(spec); !st) return tl::unexpected(st.error());
    uint64_t stride = round8(spec.value_size);
    if (spec.map_type == BPF_MAP_TYPE_PERCPU_ARRAY) stride *= ncpus;
    // calloc maps big blocks lazily, so an array costs memory as it is used;
    // the budget is charged for all of it now, as the kernel charges it.
    if (uint64_t{spec.max_entries} > SIZE_MAX / stride)
        return fail(ENOMEM, "cannot allocate " + std::to_string(spec.max_entries) + " values of " +
                                std::to_string(stride) + " bytes");
    auto charge = MemCharge::take(uint64_t{spec.max_entries} * stride, "this array map");
    if (!charge) return tl::unexpected(charge.error());
    void *data = std::calloc(spec.max_entries, stride);
    if (data == nullptr)
        return fail(ENOMEM, "cannot allocate " + std::to_string(spec.max_entries) + " values of " +
                                std::to_string(stride) + " bytes");
    try {
        return std::make_shared<ArrayMap>(spec, ncpus, static_cast<uint8_t *>(data),
                                          std::move(*charge));
    } catch (const std::bad_alloc &) {
        std::free(data);
        return fail(ENOMEM, "no memory for an array map");
    }
}

ArrayMap::ArrayMap(const MapSpec &spec, unsigned ncpus, uint8_t *data, MemCharge charge)
    : Map(spec, ncpus),
      elem_size_(round8(spec.value_size)),
      index_stride_(spec.map_type == BPF_MAP_TYPE_PERCPU_ARRAY ? elem_size_ * ncpus : elem_size_),
      data_(data),
      charge_(std::move(charge)) {}

ArrayMap::~ArrayMap() {
    std::free(data_);
}

uint64_t ArrayMap::memlock() const {
    uint64_t entries = max_entries();
    uint64_t usage = kKernelArraySize;
    if (percpu()) {
        usage += entries * sizeof(void *);
        usage += entries * elem_size_ * ncpus();
    } else if (flags() & BPF_F_MMAPABLE) {
        usage = page_align(usage) + page_align(entries * elem_size_);
    } else {
        usage += entries * elem_size_;
    }
    return usage;
}

uint32_t ArrayMap::index_of(const void *key) {
    uint32_t index;
    std::memcpy(&index, key, sizeof index);
    return index;
}

Status ArrayMap::lookup(const void *key, void *value, uint64_t flags) {
    if (auto st = check_lookup_flags(flags); !st) return st;
    uint32_t index = index_of(key);
    if (index >= max_entries())
        return fail(ENOENT, "index " + std::to_string(index) + " is not below max_entries (" +
                                std::to_string(max_entries()) + ")");
    std::memcpy(value, slot(index), percpu() ? index_stride_ : value_size());
    return ok();
}

int ArrayMap::update_elem(const void *key, const void *value, uint64_t flags, bool all_cpus,
                          unsigned cpu) {
    if (int err = check_update_flags(flags)) return -err;
    uint32_t index = index_of(key);
    if (index >= max_entries()) return -E2BIG;  // every element exists; none can be added
    if (flags == BPF_NOEXIST) return -EEXIST;
    if (!percpu())
        std::memcpy(slot(index), value, value_size());
    else if (all_cpus)
        std::memcpy(slot(index), value, index_stride_);  // padding included, as the kernel
    else
        std::memcpy(slot(index) + elem_size_ * cpu, value, value_size());
    return 0;
}

Status ArrayMap::update(const void *key, const void *value, uint64_t flags) {
    if (auto st = check_writable(); !st) return st;
    int err = update_elem(key, value, flags, true, 0);
    if (err == -EEXIST)
        return fail(EEXIST, "every array element always exists: BPF_NOEXIST cannot succeed");
    if (err != 0) return tl::unexpected(update_error(-err));
    return ok();
}

Status ArrayMap::remove(const void *) {
    if (auto st = check_writable(); !st) return st;
    return fail(EINVAL, "array elements cannot be deleted");
}

Status ArrayMap::lookup_and_delete(const void *, void *, uint64_t flags) {
    if (flags & ~uint64_t{BPF_F_LOCK})
        return fail(EINVAL, "lookup-and-delete flags may only contain BPF_F_LOCK");
    if (auto st = check_writable(); !st) return st;
    if (auto st = check_lookup_flags(flags); !st) return st;
    return fail(kENOTSUPP, "array maps do not support lookup-and-delete");
}

Status ArrayMap::get_next_key(const void *key, void *next_key) {
    uint32_t index = key == nullptr ? UINT32_MAX : index_of(key);
    uint32_t next;
    if (index >= max_entries())
        next = 0;  // NULL or out of range: the walk starts over
    else if (index == max_entries() - 1)
        return fail(ENOENT, "index " + std::to_string(index) + " is the last one");
    else
        next = index + 1;
    std::memcpy(next_key, &next, sizeof next);
    return ok();
}

Status ArrayMap::lookup_batch(MapBatch &b, bool and_delete) {
    if (and_delete) {
        if (auto st = check_writable(); !st) return st;
        return fail(kENOTSUPP, "array maps do not support lookup-and-delete batches");
    }
    return generic_lookup_batch(b);
}

Status ArrayMap::update_batch(MapBatch &b) {
    if (auto st = check_writable(); !st) return st;
    return generic_update_batch(b);
}

Status ArrayMap::delete_batch(MapBatch &) {
    if (auto st = check_writable(); !st) return st;
    return fail(kENOTSUPP, "array maps do not support delete batches");
}

void *ArrayMap::lookup_for_prog(const void *key, unsigned cpu) {
    uint32_t index = index_of(key);
    if (index >= max_entries()) return nullptr;
    return percpu() ? slot(index) + elem_size_ * (cpu % ncpus()) : slot(index);
}

long ArrayMap::update_from_prog(const void *key, const void *value, uint64_t flags, unsigned cpu) {
    return update_elem(key, value, flags, false, cpu % ncpus());
}

long ArrayMap::delete_from_prog(const void *) {
    return -EINVAL;
}

// As the kernel's bpf_for_each_array_elem: every index in order, the key
// being the index.
uint32_t ArrayMap::for_each_from_prog(unsigned cpu, uint32_t *key_buf, ElemVisitor visit,
                                      void *arg) {
    uint32_t visited = 0;
    for (uint32_t index = 0; index < max_entries(); ++index) {
        ++visited;
        *key_buf = index;
        uint8_t *value = percpu() ? slot(index) + elem_size_ * (cpu % ncpus()) : slot(index);
        if (visit(arg, key_buf, value)) break;
    }
    return visited;
}

void *ArrayMap::next_elem(MapCursor &cursor, void *key_out, void *value_out) {
    if (cursor.bucket >= max_entries()) return nullptr;
    uint32_t index = cursor.bucket++;
    std::memcpy(key_out, &index, sizeof index);
    if (!percpu()) return slot(index);
    std::memcpy(value_out, slot(index), index_stride_);
    return value_out;
}

}  // namespace bpffs
