// bpffs_object, bpffs_program, bpffs_map of bpffs.h: libbpf's object API
// over core/elf (parsing, relocation, CO-RE) and the raw commands of
// bpffs.cpp and prog.cpp (BTF_LOAD, MAP_CREATE, PROG_LOAD, OBJ_PIN).
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "core/btf/btf.h"
#include "core/elf/loader.h"
#include "tools/libbpffs/bpffs.h"
#include "tools/libbpffs/client_path.h"
#include "tools/libbpffs/prog_info.h"
#include "tools/libbpffs/request.h"

using namespace bpffs;
using client::failure;
using client::opt;

struct bpffs_program {
    bpffs_object *obj = nullptr;
    size_t index = 0;  // into spec.programs
    uint32_t prog_type = 0;
    uint32_t expected_attach_type = 0;
    bool autoload = true;
    int fd = -1;
};

struct bpffs_map {
    bpffs_object *obj = nullptr;
    size_t index = 0;  // into spec.maps
    std::vector<uint8_t> initial_value;
    std::string pin_path;  // "" when none
    bool pinned = false;
    int fd = -1;
};

struct bpffs_object {
    elf::ObjectSpec spec;
    std::string pin_root_path;
    uint32_t log_level = 0;
    std::vector<bpffs_program> programs;  // never resized after open
    std::vector<bpffs_map> maps;
    int btf_fd = -1;
    bool loaded = false;
    bool load_failed = false;
};

namespace {

template <class T>
T *null_failure(int code, std::string message) {
    failure(code, std::move(message));
    return nullptr;
}

// Prefixes an error with what was being done: "map 'flows': ...".
int failure_in(const std::string &what, int rc) {
    std::string why = bpffs_last_error();
    return failure(-rc, what + ": " + why);
}

const elf::ProgramSpec &spec_of(const bpffs_program &p) {
    return p.obj->spec.programs[p.index];
}
const elf::MapDef &spec_of(const bpffs_map &m) {
    return m.obj->spec.maps[m.index];
}

bool uses_pin_by_name(const bpffs_object &obj) {
    for (const auto &m : obj.spec.maps)
        if (m.pinning == elf::kPinByName) return true;
    return false;
}

bpffs_object *open_spec(Result<elf::ObjectSpec> spec, const bpffs_object_open_opts *opts) {
    if (!spec) return null_failure<bpffs_object>(spec.error().code, spec.error().message);
    auto obj = std::unique_ptr<bpffs_object>(new (std::nothrow) bpffs_object);
    if (!obj) return null_failure<bpffs_object>(ENOMEM, "no memory for the object");
    obj->spec = std::move(*spec);
    if (const char *root = opt(opts, &bpffs_object_open_opts::pin_root_path))
        obj->pin_root_path = root;
    obj->log_level = opt(opts, &bpffs_object_open_opts::kernel_log_level);
    obj->programs.resize(obj->spec.programs.size());
    for (size_t i = 0; i < obj->programs.size(); ++i) {
        bpffs_program &p = obj->programs[i];
        p.obj = obj.get();
        p.index = i;
        p.prog_type = obj->spec.programs[i].kind.prog_type;
        p.expected_attach_type = obj->spec.programs[i].kind.expected_attach_type;
    }
    obj->maps.resize(obj->spec.maps.size());
    for (size_t i = 0; i < obj->maps.size(); ++i) {
        bpffs_map &m = obj->maps[i];
        const elf::MapDef &def = obj->spec.maps[i];
        m.obj = obj.get();
        m.index = i;
        m.initial_value = def.initial_value;
        // libbpf fixes the pin path of a LIBBPF_PIN_BY_NAME map at open.
        if (def.pinning == elf::kPinByName && !obj->pin_root_path.empty())
            m.pin_path = obj->pin_root_path + "/" + def.spec.name;
    }
    return obj.release();
}

// --- load -----------------------------------------------------------------

bool has_core_relos(const elf::ObjectSpec &spec) {
    for (const auto &[section, relos] : spec.parsed->ext.core_relos)
        if (!relos.empty()) return true;
    return false;
}

Result<std::optional<btf::Btf>> target_btf_for(const elf::ObjectSpec &spec) {
    if (!has_core_relos(spec)) return std::optional<btf::Btf>{};
    void *data = nullptr;
    size_t len = 0;
    if (int rc = bpffs_daemon_btf(&data, &len); rc < 0)
        return fail(-rc,
                    std::string("cannot fetch the daemon's BTF for CO-RE: ") + bpffs_last_error());
    std::span<const uint8_t> raw(static_cast<const uint8_t *>(data), len);
    auto parsed = btf::Btf::parse(raw);
    free(data);
    if (!parsed) return fail(EINVAL, "the daemon's BTF is invalid: " + parsed.error().message);
    return std::optional<btf::Btf>(std::move(*parsed));
}

int load_btf(bpffs_object &obj) {
    if (obj.spec.btf.empty()) return 0;
    int fd = bpffs_btf_load(obj.spec.btf.data(), obj.spec.btf.size(), nullptr);
    if (fd < 0) return failure_in("loading the object's BTF", fd);
    obj.btf_fd = fd;
    return 0;
}

// libbpf's map_is_reuse_compat: a pinned map is reused only if it has the
// attributes the object declares.
int check_reusable(const bpffs_map &m, int fd) {
    const MapSpec &want = spec_of(m).spec;
    bpf_map_info info{};
    uint32_t len = sizeof info;
    if (int rc = bpffs_obj_get_info_by_fd(fd, &info, &len); rc < 0) return rc;
    if (info.type != want.map_type || info.key_size != want.key_size ||
        info.value_size != want.value_size || info.max_entries != want.max_entries ||
        info.map_flags != want.map_flags || info.map_extra != want.map_extra)
        return failure(EINVAL, "the map pinned at " + m.pin_path +
                                   " does not match the object's definition (type, key or value "
                                   "size, max_entries, flags)");
    return 0;
}

// A pinned map to reuse: its fd, or -ENOENT when nothing is pinned there.
int reuse_pinned(bpffs_map &m) {
    int fd = bpffs_obj_get(m.pin_path.c_str());
    if (fd == -ENOENT) return fd;
    if (fd < 0) return failure_in("map '" + spec_of(m).spec.name + "'", fd);
    if (int rc = check_reusable(m, fd); rc < 0) {
        std::string why = bpffs_last_error();
        bpffs_close(fd);
        return failure(-rc, "map '" + spec_of(m).spec.name + "': " + why);
    }
    m.pinned = true;
    return fd;
}

int write_initial_value(bpffs_map &m) {
    const elf::MapDef &def = spec_of(m);
    if (def.origin != elf::MapOrigin::global_data) return 0;
    const uint32_t key = 0;
    std::vector<uint8_t> value(m.initial_value);
    value.resize(def.spec.value_size);
    if (int rc = bpffs_map_update_elem(m.fd, &key, value.data(), BPF_ANY); rc < 0)
        return failure_in("writing the initial value of map '" + def.spec.name + "'", rc);
    if (def.freeze)
        if (int rc = bpffs_map_freeze(m.fd); rc < 0)
            return failure_in("freezing map '" + def.spec.name + "'", rc);
    return 0;
}

int create_map(bpffs_object &obj, bpffs_map &m) {
    const MapSpec &spec = spec_of(m).spec;
    if (!m.pin_path.empty()) {
        int fd = reuse_pinned(m);
        if (fd >= 0) {
            m.fd = fd;
            return 0;
        }
        if (fd != -ENOENT) return fd;
    }
    bpffs_map_create_opts opts{};
    opts.sz = sizeof opts;
    opts.map_flags = spec.map_flags;
    opts.map_extra = spec.map_extra;
    opts.numa_node = spec.numa_node;
    if (obj.btf_fd >= 0 && spec.btf_value_type_id != 0) {
        opts.btf_fd = static_cast<__u32>(obj.btf_fd);
        opts.btf_key_type_id = spec.btf_key_type_id;
        opts.btf_value_type_id = spec.btf_value_type_id;
    }
    int fd = bpffs_map_create(static_cast<bpf_map_type>(spec.map_type), spec.name.c_str(),
                              spec.key_size, spec.value_size, spec.max_entries, &opts);
    if (fd < 0 && opts.btf_value_type_id != 0) {
        // As libbpf: types the daemon refuses for this map (map_check_btf,
        // e.g. a hash map declared with key_size and a value type) are
        // dropped, and the map is made without BTF.
        opts.btf_fd = opts.btf_key_type_id = opts.btf_value_type_id = 0;
        fd = bpffs_map_create(static_cast<bpf_map_type>(spec.map_type), spec.name.c_str(),
                              spec.key_size, spec.value_size, spec.max_entries, &opts);
    }
    if (fd < 0) return failure_in("creating map '" + spec.name + "'", fd);
    m.fd = fd;
    if (int rc = write_initial_value(m); rc < 0) return rc;
    if (!m.pin_path.empty() && !m.pinned)
        if (int rc = bpffs_map__pin(&m, nullptr); rc < 0) return rc;
    return 0;
}

// A failed PROG_LOAD, repeated with a log when none was asked for, so that
// the error says what the daemon's checks found.
std::string load_log(const bpffs_program &p, const bpffs_prog_load_opts &opts) {
    std::vector<char> log(64 * 1024);
    bpffs_prog_load_opts with_log = opts;
    with_log.log_level = 1;
    with_log.log_buf = log.data();
    with_log.log_size = static_cast<__u32>(log.size());
    const elf::ProgramSpec &ps = spec_of(p);
    int fd =
        bpffs_prog_load(static_cast<bpf_prog_type>(p.prog_type), ps.kernel_name.c_str(),
                        p.obj->spec.license.c_str(), ps.insns.data(), ps.insns.size(), &with_log);
    if (fd >= 0) bpffs_close(fd);
    return log.data();
}

int load_program(bpffs_object &obj, bpffs_program &p) {
    const elf::ProgramSpec &ps = spec_of(p);
    bpffs_prog_load_opts opts{};
    opts.sz = sizeof opts;
    opts.expected_attach_type = p.expected_attach_type;
    opts.prog_flags = ps.kind.sleepable ? BPF_F_SLEEPABLE : 0;
    opts.attach_target = ps.kind.attach_target.c_str();
    opts.kern_version = obj.spec.kern_version;
    if (obj.btf_fd >= 0) {
        opts.prog_btf_fd = static_cast<__u32>(obj.btf_fd);
        if (!ps.func_info.empty()) {
            opts.func_info_rec_size = sizeof(bpf_func_info);
            opts.func_info = ps.func_info.data();
            opts.func_info_cnt = static_cast<__u32>(ps.func_info.size());
        }
        if (!ps.line_info.empty()) {
            opts.line_info_rec_size = sizeof(bpf_line_info);
            opts.line_info = ps.line_info.data();
            opts.line_info_cnt = static_cast<__u32>(ps.line_info.size());
        }
    }
    std::vector<char> log;
    if (obj.log_level > 0) {
        log.resize(1024 * 1024);
        opts.log_level = obj.log_level;
        opts.log_buf = log.data();
        opts.log_size = static_cast<__u32>(log.size());
    }
    int fd = bpffs_prog_load(static_cast<bpf_prog_type>(p.prog_type), ps.kernel_name.c_str(),
                             obj.spec.license.c_str(), ps.insns.data(), ps.insns.size(), &opts);
    if (fd >= 0) {
        p.fd = fd;
        return 0;
    }
    std::string why = bpffs_last_error();
    std::string text = obj.log_level > 0 ? std::string(log.data()) : load_log(p, opts);
    while (!text.empty() && text.back() == '\n')
        text.pop_back();
    return failure(-fd, "program '" + ps.name + "': " + why +
                            (text.empty() || text == why ? "" : "\n" + text));
}

int load_object(bpffs_object &obj) {
    auto target = target_btf_for(obj.spec);
    if (!target) return failure(target.error());
    if (int rc = load_btf(obj); rc < 0) return rc;
    for (bpffs_map &m : obj.maps)
        if (int rc = create_map(obj, m); rc < 0) return rc;
    std::vector<int> fds;
    for (const bpffs_map &m : obj.maps)
        fds.push_back(m.fd);
    const btf::Btf *target_btf = *target ? &**target : nullptr;
    if (auto st = elf::relocate(obj.spec, fds, target_btf); !st) return failure(st.error());
    for (bpffs_program &p : obj.programs)
        if (p.autoload)
            if (int rc = load_program(obj, p); rc < 0) return rc;
    return 0;
}

void close_fds(bpffs_object &obj) {
    for (bpffs_program &p : obj.programs)
        if (p.fd >= 0) bpffs_close(std::exchange(p.fd, -1));
    for (bpffs_map &m : obj.maps)
        if (m.fd >= 0) bpffs_close(std::exchange(m.fd, -1));
    if (obj.btf_fd >= 0) bpffs_close(std::exchange(obj.btf_fd, -1));
}

// --- pinning --------------------------------------------------------------

// libbpf's make_parent_dir: the pin's directory is created if missing.
int make_parent_dir(const std::string &path) {
    size_t slash = path.rfind('/');
    if (slash == std::string::npos || slash == 0) return 0;
    std::string dir = path.substr(0, slash);
    if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
        return failure(errno, "cannot create directory " + dir + ": " + strerror(errno));
    return 0;
}

// libbpf's sanitize_pin_path: the kernel's bpffs refuses '.' in names, so
// libbpf turns every '.' of a map pin path into '_'.
std::string sanitize_pin_path(std::string path) {
    for (char &c : path)
        if (c == '.') c = '_';
    return path;
}

int pin_fd(int fd, const std::string &path, const std::string &what) {
    if (int rc = make_parent_dir(path); rc < 0) return rc;
    if (int rc = bpffs_obj_pin(fd, path.c_str()); rc < 0)
        return failure_in("pinning " + what + " at " + path, rc);
    return 0;
}

int check_loaded(const bpffs_object *obj) {
    if (obj == nullptr) return failure(EINVAL, "the object is NULL");
    if (!obj->loaded) return failure(EINVAL, "the object is not loaded");
    return 0;
}

}  // namespace

extern "C" {

struct bpffs_object *bpffs_object__open_file(const char *path,
                                             const struct bpffs_object_open_opts *opts) {
    if (path == nullptr) return null_failure<bpffs_object>(EINVAL, "path is NULL");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return null_failure<bpffs_object>(
            errno ? errno : ENOENT, std::string("cannot open ") + path + ": " + strerror(errno));
    std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in),
                               std::istreambuf_iterator<char>()};
    const char *name = opt(opts, &bpffs_object_open_opts::object_name);
    auto spec = elf::load_object(bytes, name ? name : path);
    if (!spec)
        return null_failure<bpffs_object>(spec.error().code,
                                          std::string(path) + ": " + spec.error().message);
    return open_spec(std::move(spec), opts);
}

struct bpffs_object *bpffs_object__open_mem(const void *obj_buf, size_t obj_buf_sz,
                                            const struct bpffs_object_open_opts *opts) {
    if (obj_buf == nullptr || obj_buf_sz == 0)
        return null_failure<bpffs_object>(EINVAL, "the object buffer is NULL or empty");
    const char *name = opt(opts, &bpffs_object_open_opts::object_name);
    std::span<const uint8_t> bytes(static_cast<const uint8_t *>(obj_buf), obj_buf_sz);
    return open_spec(elf::load_object(bytes, name ? name : "mem"), opts);
}

int bpffs_object__load(struct bpffs_object *obj) {
    if (obj == nullptr) return failure(EINVAL, "the object is NULL");
    if (obj->loaded || obj->load_failed)
        return failure(EINVAL, "object '" + obj->spec.name + "' was loaded already");
    if (uses_pin_by_name(*obj) && obj->pin_root_path.empty())
        return failure(EINVAL, "object '" + obj->spec.name +
                                   "' has maps pinned by name (LIBBPF_PIN_BY_NAME) and no "
                                   "pin_root_path was given");
    if (int rc = load_object(*obj); rc < 0) {
        // As libbpf: a failed load leaves nothing behind.
        std::string why = bpffs_last_error();
        close_fds(*obj);
        obj->load_failed = true;
        return failure(-rc, why);
    }
    obj->loaded = true;
    return 0;
}

void bpffs_object__close(struct bpffs_object *obj) {
    if (obj == nullptr) return;
    int saved = errno;
    close_fds(*obj);
    delete obj;
    errno = saved;
}

const char *bpffs_object__name(const struct bpffs_object *obj) {
    return obj ? obj->spec.name.c_str() : nullptr;
}

int bpffs_object__btf_fd(const struct bpffs_object *obj) {
    if (obj == nullptr) return failure(EINVAL, "the object is NULL");
    if (obj->btf_fd < 0) return failure(ENOENT, "the object has no loaded BTF");
    return obj->btf_fd;
}

struct bpffs_program *bpffs_object__next_program(const struct bpffs_object *obj,
                                                 struct bpffs_program *prog) {
    if (obj == nullptr || obj->programs.empty()) return nullptr;
    auto &progs = const_cast<bpffs_object *>(obj)->programs;
    if (prog == nullptr) return &progs.front();
    if (prog->obj != obj || prog->index + 1 >= progs.size()) return nullptr;
    return &progs[prog->index + 1];
}

struct bpffs_program *bpffs_object__find_program_by_name(const struct bpffs_object *obj,
                                                         const char *name) {
    if (obj == nullptr || name == nullptr) return null_failure<bpffs_program>(EINVAL, "NULL");
    for (const bpffs_program &p : obj->programs)
        if (spec_of(p).name == name) return const_cast<bpffs_program *>(&p);
    return null_failure<bpffs_program>(
        ENOENT, "object '" + obj->spec.name + "' has no program named " + name);
}

const char *bpffs_program__name(const struct bpffs_program *prog) {
    return spec_of(*prog).name.c_str();
}

const char *bpffs_program__section_name(const struct bpffs_program *prog) {
    return spec_of(*prog).section_name.c_str();
}

const char *bpffs_program__attach_target(const struct bpffs_program *prog) {
    return spec_of(*prog).kind.attach_target.c_str();
}

enum bpf_prog_type bpffs_program__type(const struct bpffs_program *prog) {
    return static_cast<bpf_prog_type>(prog->prog_type);
}

enum bpf_attach_type bpffs_program__expected_attach_type(const struct bpffs_program *prog) {
    return static_cast<bpf_attach_type>(prog->expected_attach_type);
}

int bpffs_program__set_type(struct bpffs_program *prog, enum bpf_prog_type type) {
    if (prog->obj->loaded) return failure(EBUSY, "the object is loaded already");
    prog->prog_type = type;
    return 0;
}

int bpffs_program__set_expected_attach_type(struct bpffs_program *prog, enum bpf_attach_type type) {
    if (prog->obj->loaded) return failure(EBUSY, "the object is loaded already");
    prog->expected_attach_type = type;
    return 0;
}

int bpffs_program__set_autoload(struct bpffs_program *prog, int autoload) {
    if (prog->obj->loaded) return failure(EINVAL, "the object is loaded already");
    prog->autoload = autoload != 0;
    return 0;
}

int bpffs_program__autoload(const struct bpffs_program *prog) {
    return prog->autoload ? 1 : 0;
}

int bpffs_program__fd(const struct bpffs_program *prog) {
    if (prog == nullptr) return failure(EINVAL, "the program is NULL");
    if (prog->fd < 0) return failure(EINVAL, "program '" + spec_of(*prog).name + "' is not loaded");
    return prog->fd;
}

const struct bpf_insn *bpffs_program__insns(const struct bpffs_program *prog) {
    const elf::ProgramSpec &ps = spec_of(*prog);
    if (!ps.insns.empty()) return ps.insns.data();
    const elf::Section *sec = prog->obj->spec.parsed->file.section(ps.section_index);
    return reinterpret_cast<const bpf_insn *>(sec->data.data()) + ps.insn_offset;
}

size_t bpffs_program__insn_cnt(const struct bpffs_program *prog) {
    const elf::ProgramSpec &ps = spec_of(*prog);
    return ps.insns.empty() ? ps.insn_count : ps.insns.size();
}

int bpffs_program__pin(struct bpffs_program *prog, const char *path) {
    if (prog == nullptr || path == nullptr) return failure(EINVAL, "prog or path is NULL");
    if (prog->fd < 0) return failure(EINVAL, "program '" + spec_of(*prog).name + "' is not loaded");
    return pin_fd(prog->fd, path, "program '" + spec_of(*prog).name + "'");
}

int bpffs_object__pin_programs(struct bpffs_object *obj, const char *path) {
    if (int rc = check_loaded(obj); rc < 0) return rc;
    if (path == nullptr) return failure(EINVAL, "path is NULL");
    for (bpffs_program &p : obj->programs) {
        if (p.fd < 0) continue;
        if (int rc = bpffs_program__pin(&p, (std::string(path) + "/" + spec_of(p).name).c_str());
            rc < 0)
            return rc;
    }
    return 0;
}

struct bpffs_map *bpffs_object__next_map(const struct bpffs_object *obj, struct bpffs_map *map) {
    if (obj == nullptr || obj->maps.empty()) return nullptr;
    auto &maps = const_cast<bpffs_object *>(obj)->maps;
    if (map == nullptr) return &maps.front();
    if (map->obj != obj || map->index + 1 >= maps.size()) return nullptr;
    return &maps[map->index + 1];
}

struct bpffs_map *bpffs_object__find_map_by_name(const struct bpffs_object *obj, const char *name) {
    if (obj == nullptr || name == nullptr) return null_failure<bpffs_map>(EINVAL, "NULL");
    // As libbpf: the map's name, or a global data map by its section name.
    for (const bpffs_map &m : obj->maps) {
        const elf::MapDef &def = spec_of(m);
        if (def.spec.name == name ||
            (def.origin == elf::MapOrigin::global_data && def.var_name == name))
            return const_cast<bpffs_map *>(&m);
    }
    return null_failure<bpffs_map>(ENOENT,
                                   "object '" + obj->spec.name + "' has no map named " + name);
}

const char *bpffs_map__name(const struct bpffs_map *map) {
    return spec_of(*map).spec.name.c_str();
}
enum bpf_map_type bpffs_map__type(const struct bpffs_map *map) {
    return static_cast<bpf_map_type>(spec_of(*map).spec.map_type);
}
__u32 bpffs_map__key_size(const struct bpffs_map *map) {
    return spec_of(*map).spec.key_size;
}
__u32 bpffs_map__value_size(const struct bpffs_map *map) {
    return spec_of(*map).spec.value_size;
}
__u32 bpffs_map__max_entries(const struct bpffs_map *map) {
    return spec_of(*map).spec.max_entries;
}
__u32 bpffs_map__map_flags(const struct bpffs_map *map) {
    return spec_of(*map).spec.map_flags;
}

int bpffs_map__fd(const struct bpffs_map *map) {
    if (map == nullptr) return failure(EINVAL, "the map is NULL");
    if (map->fd < 0) return failure(EINVAL, "map '" + spec_of(*map).spec.name + "' is not created");
    return map->fd;
}

const void *bpffs_map__initial_value(const struct bpffs_map *map, size_t *psize) {
    if (spec_of(*map).origin != elf::MapOrigin::global_data) return nullptr;
    if (psize != nullptr) *psize = map->initial_value.size();
    return map->initial_value.data();
}

int bpffs_map__set_initial_value(struct bpffs_map *map, const void *data, size_t size) {
    if (map->obj->loaded) return failure(EBUSY, "the object is loaded already");
    if (spec_of(*map).origin != elf::MapOrigin::global_data)
        return failure(EINVAL, "map '" + spec_of(*map).spec.name + "' is not global data");
    if (size != map->initial_value.size())
        return failure(EINVAL, "map '" + spec_of(*map).spec.name + "' holds " +
                                   std::to_string(map->initial_value.size()) + " bytes, not " +
                                   std::to_string(size));
    if (size > 0) memcpy(map->initial_value.data(), data, size);
    return 0;
}

int bpffs_map__pin(struct bpffs_map *map, const char *path) {
    if (map == nullptr) return failure(EINVAL, "the map is NULL");
    const std::string &name = spec_of(*map).spec.name;
    if (!map->pin_path.empty()) {
        if (path != nullptr && map->pin_path != path)
            return failure(EINVAL, "map '" + name + "' already has pin path '" + map->pin_path +
                                       "', different from '" + path + "'");
        if (map->pinned) return 0;
    } else {
        if (path == nullptr) return failure(EINVAL, "map '" + name + "' has no pin path");
        if (map->pinned) return failure(EEXIST, "map '" + name + "' is pinned already");
        map->pin_path = path;
    }
    if (map->fd < 0) return failure(EINVAL, "map '" + name + "' is not created");
    if (int rc = pin_fd(map->fd, map->pin_path, "map '" + name + "'"); rc < 0) return rc;
    map->pinned = true;
    return 0;
}

const char *bpffs_map__pin_path(const struct bpffs_map *map) {
    return map->pin_path.empty() ? nullptr : map->pin_path.c_str();
}

int bpffs_map__is_pinned(const struct bpffs_map *map) {
    return map->pinned ? 1 : 0;
}

int bpffs_object__pin_maps(struct bpffs_object *obj, const char *path) {
    if (int rc = check_loaded(obj); rc < 0) return rc;
    std::vector<bpffs_map *> pinned_here;
    for (bpffs_map &m : obj->maps) {
        std::string pin;
        if (path != nullptr)
            pin = sanitize_pin_path(std::string(path) + "/" + spec_of(m).spec.name);
        else if (m.pin_path.empty())
            continue;
        bool was_pinned = m.pinned;
        if (int rc = bpffs_map__pin(&m, path ? pin.c_str() : nullptr); rc < 0) {
            // As libbpf: all or nothing.
            std::string why = bpffs_last_error();
            for (bpffs_map *done : pinned_here) {
                unlink(done->pin_path.c_str());
                done->pinned = false;
            }
            return failure(-rc, why);
        }
        if (!was_pinned) pinned_here.push_back(&m);
    }
    return 0;
}

int bpffs_find_mount_root(const char *path, char *buf, size_t len) {
    if (path == nullptr || buf == nullptr) return failure(EFAULT, "path or buf is NULL");
    auto root = client::find_mount_root(path);
    if (!root) return failure(root.error());
    if (root->size() + 1 > len)
        return failure(ERANGE, "the mount root " + *root + " does not fit in " +
                                   std::to_string(len) + " bytes");
    memcpy(buf, root->c_str(), root->size() + 1);
    return 0;
}

}  // extern "C"
