#include "tools/bpffsctl/prog_print.h"

#include <time.h>

#include <cstdlib>
#include <span>
#include <string_view>

#include "tools/bpffsctl/btf_value_dump.h"
#include "tools/bpffsctl/cli.h"
#include "tools/bpffsctl/json_writer.h"

namespace bpffsctl {

const char *prog_type_name(uint32_t type) {
    static const char *const kNames[] = {
        "unspec",
        "socket_filter",
        "kprobe",
        "sched_cls",
        "sched_act",
        "tracepoint",
        "xdp",
        "perf_event",
        "cgroup_skb",
        "cgroup_sock",
        "lwt_in",
        "lwt_out",
        "lwt_xmit",
        "sock_ops",
        "sk_skb",
        "cgroup_device",
        "sk_msg",
        "raw_tracepoint",
        "cgroup_sock_addr",
        "lwt_seg6local",
        "lirc_mode2",
        "sk_reuseport",
        "flow_dissector",
        "cgroup_sysctl",
        "raw_tracepoint_writable",
        "cgroup_sockopt",
        "tracing",
        "struct_ops",
        "ext",
        "lsm",
        "sk_lookup",
        "syscall",
    };
    return type < sizeof(kNames) / sizeof(kNames[0]) ? kNames[type] : nullptr;
}

namespace {
constexpr std::string_view kMetadataPrefix = "bpf_metadata_";

std::span<const uint8_t> metadata_bytes(const ProgRecord &rec, const ProgRecord::MetadataVar &v) {
    if (v.offset > rec.metadata_value.size()) return {};
    return std::span<const uint8_t>(rec.metadata_value).subspan(v.offset);
}

// bpftool's show_prog_metadata in plain mode: "\tmetadata:" then one
// "\n\t\tNAME = VALUE" per variable (each value a fresh JSON writer), and a
// final newline.
std::string metadata_plain(const ProgRecord &rec) {
    if (rec.metadata.empty() || !rec.metadata_btf) return "";
    char *buf = nullptr;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f == nullptr) return "";
    fputs("\tmetadata:", f);
    for (const auto &v : rec.metadata) {
        fprintf(f, "\n\t\t%s = ", v.name.c_str());
        JsonWriter jw(f);
        if (btf_dump_type(jw, *rec.metadata_btf, v.type, metadata_bytes(rec, v), true) != 0) break;
    }
    fputs("\n", f);
    fclose(f);
    std::string out(buf, len);
    free(buf);
    return out;
}

std::string tag_hex(const bpf_prog_info &info) {
    std::string s;
    for (unsigned char b : info.tag)
        s += format("%02x", b);
    return s;
}
}  // namespace

std::string prog_header_plain(const ProgRecord &rec) {
    const bpf_prog_info &i = rec.info;
    std::string s = format("%u: ", i.id);
    if (const char *t = prog_type_name(i.type))
        s += format("%s  ", t);
    else
        s += format("type %u  ", i.type);
    if (i.name[0]) s += format("name %s  ", rec.full_name.c_str());
    s += "tag " + tag_hex(i);
    if (i.gpl_compatible) s += "  gpl";
    if (i.run_time_ns)
        s +=
            format(" run_time_ns %llu run_cnt %llu", static_cast<unsigned long long>(i.run_time_ns),
                   static_cast<unsigned long long>(i.run_cnt));
    if (i.recursion_misses)
        s += format(" recursion_misses %llu", static_cast<unsigned long long>(i.recursion_misses));
    return s + "\n";
}

std::string prog_record_plain(const ProgRecord &rec) {
    const bpf_prog_info &i = rec.info;
    std::string s = prog_header_plain(rec);
    if (i.load_time)
        s += format("\tloaded_at %s  uid %u\n", rec.loaded_at_plain.c_str(), i.created_by_uid);
    s += format("\txlated %uB", i.xlated_prog_len);
    s += i.jited_prog_len ? format("  jited %uB", i.jited_prog_len) : std::string("  not jited");
    if (rec.has_memlock)
        s += format("  memlock %lluB", static_cast<unsigned long long>(rec.memlock));
    if (!rec.map_ids.empty()) {
        s += "  map_ids ";
        for (size_t k = 0; k < rec.map_ids.size(); ++k)
            s += format("%u%s", rec.map_ids[k], k + 1 == rec.map_ids.size() ? "" : ",");
    }
    for (const std::string &p : rec.pinned)
        s += "\n\tpinned " + p;
    if (i.btf_id) s += format("\n\tbtf_id %d", static_cast<int>(i.btf_id));
    return s + "\n" + metadata_plain(rec);
}

void prog_header_json(JsonWriter &jw, const ProgRecord &rec) {
    const bpf_prog_info &i = rec.info;
    jw.uint_field("id", i.id);
    if (const char *t = prog_type_name(i.type))
        jw.string_field("type", t);
    else
        jw.uint_field("type", i.type);
    if (i.name[0]) jw.string_field("name", rec.full_name);
    jw.name("tag");
    jw.raw("\"" + tag_hex(i) + "\"");
    jw.bool_field("gpl_compatible", i.gpl_compatible);
    if (i.run_time_ns) {
        jw.uint_field("run_time_ns", i.run_time_ns);
        jw.uint_field("run_cnt", i.run_cnt);
    }
    if (i.recursion_misses) jw.uint_field("recursion_misses", i.recursion_misses);
}

void prog_record_json(JsonWriter &jw, const ProgRecord &rec) {
    const bpf_prog_info &i = rec.info;
    jw.start_object();
    prog_header_json(jw, rec);
    if (i.load_time) {
        jw.name("loaded_at");
        jw.raw(rec.loaded_at_json);
        jw.uint_field("uid", i.created_by_uid);
    }
    jw.uint_field("bytes_xlated", i.xlated_prog_len);
    if (i.jited_prog_len) {
        jw.bool_field("jited", true);
        jw.uint_field("bytes_jited", i.jited_prog_len);
    } else {
        jw.bool_field("jited", false);
    }
    if (rec.has_memlock) jw.int_field("bytes_memlock", static_cast<int64_t>(rec.memlock));
    if (!rec.map_ids.empty()) {
        jw.name("map_ids");
        jw.start_array();
        for (uint32_t id : rec.map_ids)
            jw.uint_value(id);
        jw.end_array();
    }
    if (i.btf_id) jw.int_field("btf_id", i.btf_id);
    if (rec.pinned_table) {
        jw.name("pinned");
        jw.start_array();
        for (const std::string &p : rec.pinned)
            jw.string(p);
        jw.end_array();
    }
    if (!rec.metadata.empty() && rec.metadata_btf) {
        jw.name("metadata");
        jw.start_object();
        for (const auto &v : rec.metadata) {
            jw.name(v.name);
            if (btf_dump_type(jw, *rec.metadata_btf, v.type, metadata_bytes(rec, v), false) != 0)
                break;
        }
        jw.end_object();
    }
    jw.end_object();
}

std::vector<ProgRecord::MetadataVar> metadata_vars(const bpffs::btf::Btf &btf,
                                                   uint32_t datasec_id) {
    std::vector<ProgRecord::MetadataVar> vars;
    if (datasec_id == 0 || datasec_id > btf.type_count()) return vars;
    const auto &sec = btf.type(datasec_id);
    if (sec.kind != BTF_KIND_DATASEC) return vars;
    for (const auto &vsi : sec.secinfos) {
        if (vsi.type == 0 || vsi.type > btf.type_count()) continue;
        const auto &var = btf.type(vsi.type);
        if (var.name.substr(0, kMetadataPrefix.size()) != kMetadataPrefix) continue;
        vars.push_back(
            {std::string(var.name.substr(kMetadataPrefix.size())), var.type, vsi.offset});
    }
    return vars;
}

void format_load_time(uint64_t nsecs, std::string &plain, std::string &json) {
    struct timespec real_ts, boot_ts;
    if (clock_gettime(CLOCK_REALTIME, &real_ts) || clock_gettime(CLOCK_BOOTTIME, &boot_ts)) {
        plain = json = format("%llu", static_cast<unsigned long long>(nsecs / 1000000000));
        return;
    }
    time_t wall =
        (real_ts.tv_sec - boot_ts.tv_sec) +
        static_cast<time_t>((real_ts.tv_nsec - boot_ts.tv_nsec + static_cast<int64_t>(nsecs)) /
                            1000000000);
    struct tm tm;
    if (!localtime_r(&wall, &tm)) {
        plain = json = format("%llu", static_cast<unsigned long long>(nsecs / 1000000000));
        return;
    }
    char buf[32];
    strftime(buf, sizeof buf, "%FT%T%z", &tm);
    plain = buf;
    strftime(buf, sizeof buf, "%s", &tm);
    json = buf;
}

}  // namespace bpffsctl
