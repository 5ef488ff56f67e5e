#include "tools/bpffsctl/map_print.h"

#include <cerrno>
#include <cstring>

#include "tools/bpffsctl/cli.h"
#include "tools/bpffsctl/map_types.h"

namespace bpffsctl {

std::string hex_bytes(const uint8_t *data, size_t n, const char *sep) {
    std::string s;
    char byte[4];
    for (size_t i = 0; i < n; ++i) {
        if (i == 0)
            ;
        else if (i % 16 == 0)
            s += '\n';
        else if (i % 8 == 0)
            s += "  ";
        else
            s += sep;
        snprintf(byte, sizeof(byte), "%02hhx", data[i]);
        s += byte;
    }
    return s;
}

void hex_bytes_json(JsonWriter &jw, const uint8_t *data, size_t n) {
    char text[8];
    jw.start_array();
    for (size_t i = 0; i < n; ++i) {
        snprintf(text, sizeof(text), "\"0x%02hhx\"", data[i]);
        jw.raw(text);
    }
    jw.end_array();
}

namespace {
// Long keys or values put "key:"/"value:" on a line of their own; short
// pairs share one line.
struct EntryLayout {
    bool break_names;
    bool single_line;
};

EntryLayout layout_for(size_t key_size, size_t value_size) {
    bool break_names = key_size > 16 || value_size > 16;
    return {break_names, key_size + value_size <= 24 && !break_names};
}

std::string per_cpu_entry_plain(const bpf_map_info &info, const uint8_t *key, const uint8_t *value,
                                unsigned ncpus) {
    std::string s;
    if (info.key_size) s += "key:\n" + hex_bytes(key, info.key_size) + "\n";
    if (!info.value_size) return s;
    size_t step = per_cpu_step(info.value_size);
    for (unsigned cpu = 0; cpu < ncpus; ++cpu) {
        s += format("value (CPU %02u):%c", cpu, info.value_size > 16 ? '\n' : ' ');
        s += hex_bytes(value + cpu * step, info.value_size) + "\n";
    }
    return s;
}
}  // namespace

std::string entry_plain(const bpf_map_info &info, const uint8_t *key, const uint8_t *value,
                        unsigned ncpus) {
    if (map_is_per_cpu(info.type)) return per_cpu_entry_plain(info, key, value, ncpus);
    EntryLayout l = layout_for(info.key_size, info.value_size);
    std::string s;
    if (info.key_size) {
        s += std::string("key:") + (l.break_names ? '\n' : ' ');
        s += hex_bytes(key, info.key_size);
        s += l.single_line ? "  " : "\n";
    }
    if (info.value_size) {
        s += std::string("value:") + (l.break_names ? '\n' : ' ');
        s += hex_bytes(value, info.value_size);
    }
    return s + "\n";
}

void entry_json(JsonWriter &jw, const bpf_map_info &info, const uint8_t *key, const uint8_t *value,
                unsigned ncpus, const std::function<void(JsonWriter &)> *formatted) {
    jw.start_object();
    jw.name("key");
    hex_bytes_json(jw, key, info.key_size);
    if (!map_is_per_cpu(info.type)) {
        jw.name("value");
        hex_bytes_json(jw, value, info.value_size);
    } else {
        size_t step = per_cpu_step(info.value_size);
        jw.name("values");
        jw.start_array();
        for (unsigned cpu = 0; cpu < ncpus; ++cpu) {
            jw.start_object();
            jw.int_field("cpu", cpu);
            jw.name("value");
            hex_bytes_json(jw, value + cpu * step, info.value_size);
            jw.end_object();
        }
        jw.end_array();
    }
    if (formatted != nullptr) {
        jw.name("formatted");
        (*formatted)(jw);
    }
    jw.end_object();
}

std::string entry_error_plain(const bpf_map_info &info, const uint8_t *key, int lookup_errno) {
    std::string msg = lookup_errno == ENOENT ? "<no entry>" : strerror(lookup_errno);
    if (lookup_errno == ENOSPC && info.type == BPF_MAP_TYPE_REUSEPORT_SOCKARRAY)
        msg = "<cannot read>";
    EntryLayout l = layout_for(info.key_size, msg.size());
    std::string s = std::string("key:") + (l.break_names ? '\n' : ' ');
    s += hex_bytes(key, info.key_size);
    s += l.single_line ? "  " : "\n";
    s += std::string("value:") + (l.break_names ? '\n' : ' ') + msg + "\n";
    return s;
}

void entry_error_json(JsonWriter &jw, const bpf_map_info &info, const uint8_t *key,
                      int lookup_errno) {
    jw.start_object();
    jw.name("key");
    hex_bytes_json(jw, key, info.key_size);
    jw.name("value");
    jw.start_object();
    jw.string_field("error", strerror(lookup_errno));
    jw.end_object();
    jw.end_object();
}

std::string map_header_plain(const bpf_map_info &info) {
    std::string s = format("%u: ", info.id);
    if (const char *type = map_type_name(info.type))
        s += format("%s  ", type);
    else
        s += format("type %u  ", info.type);
    if (info.name[0]) s += format("name %.*s  ", BPF_OBJ_NAME_LEN, info.name);
    s += format("flags 0x%x", info.map_flags);
    if (info.ifindex)
        s += format("  offloaded_to ifindex %u ns_dev %llu ns_ino %llu", info.ifindex,
                    static_cast<unsigned long long>(info.netns_dev),
                    static_cast<unsigned long long>(info.netns_ino));
    return s + "\n";
}

void map_header_json(JsonWriter &jw, const bpf_map_info &info) {
    jw.uint_field("id", info.id);
    if (const char *type = map_type_name(info.type))
        jw.string_field("type", type);
    else
        jw.uint_field("type", info.type);
    if (info.name[0])
        jw.string_field("name", std::string(info.name, strnlen(info.name, BPF_OBJ_NAME_LEN)));
    jw.name("flags");
    jw.raw(format("%d", static_cast<int>(info.map_flags)));
}

std::string map_record_plain(const MapRecord &rec) {
    const bpf_map_info &info = rec.info;
    std::string s = map_header_plain(info);
    s += format("\tkey %uB  value %uB  max_entries %u", info.key_size, info.value_size,
                info.max_entries);
    if (rec.memlock) s += format("  memlock %lluB", static_cast<unsigned long long>(*rec.memlock));
    for (const std::string &path : rec.pinned)
        s += "\n\tpinned " + path;
    if (info.btf_id || rec.frozen) s += "\n\t";
    if (info.btf_id) s += format("btf_id %d", static_cast<int>(info.btf_id));
    if (rec.frozen) s += info.btf_id ? "  frozen" : "frozen";
    return s + "\n";
}

void map_record_json(JsonWriter &jw, const MapRecord &rec) {
    const bpf_map_info &info = rec.info;
    jw.start_object();
    map_header_json(jw, info);
    if (info.ifindex) {
        jw.name("dev");
        jw.start_object();
        jw.uint_field("ifindex", info.ifindex);
        jw.uint_field("ns_dev", info.netns_dev);
        jw.uint_field("ns_inode", info.netns_ino);
        jw.end_object();
    }
    jw.uint_field("bytes_key", info.key_size);
    jw.uint_field("bytes_value", info.value_size);
    jw.uint_field("max_entries", info.max_entries);
    if (rec.memlock) jw.int_field("bytes_memlock", static_cast<int64_t>(*rec.memlock));
    jw.int_field("frozen", rec.frozen);
    if (info.btf_id) jw.int_field("btf_id", info.btf_id);
    if (rec.pinned_table) {
        jw.name("pinned");
        jw.start_array();
        for (const std::string &path : rec.pinned)
            jw.string(path);
        jw.end_array();
    }
    jw.end_object();
}

}  // namespace bpffsctl
