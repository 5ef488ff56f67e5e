// bpffsd: mounts a bpffs-like FUSE filesystem and serves bpf(2)-style
// commands on a control socket until SIGINT/SIGTERM or an external unmount.
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/syslog_sink.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "core/map.h"
#include "core/mem_charge.h"
#include "core/wire/frame.h"
#include "daemon/config.h"
#include "daemon/control_server.h"
#include "daemon/daemonize.h"
#include "daemon/errno_name.h"
#include "daemon/prog_cmds.h"
#include "daemon/sd_notify.h"
#include "daemon/socket_access.h"
#include "daemon/user_paths.h"
#include "fs/fuse_mount.h"
#include "iter/builtin_targets.h"      // iter
#include "iter/iter_open_handler.h"  // iter
#include "iter/map_seq_show.h"       // iter
#include "iter/preload.h"            // iter

#ifndef BPFFSD_VERSION
#define BPFFSD_VERSION "unknown"
#endif

using namespace bpffs;

namespace {

[[noreturn]] void usage_error(const std::string &message) {
    fprintf(stderr, "bpffsd: %s\n", message.c_str());
    exit(2);
}

// --max-memory, --max-frame and --max-log-size; exits on a bad value.
void apply_size_options(Config &cfg, const std::string &max_memory, const std::string &max_frame,
                        const std::string &max_log_size) {
    if (!max_memory.empty()) {
        auto size = parse_size(max_memory, "--max-memory");
        if (!size) usage_error(size.error().message);
        cfg.max_memory = *size;
    }
    if (!max_frame.empty()) {
        auto size = parse_size(max_frame, "--max-frame");
        if (!size) usage_error(size.error().message);
        if (*size < 64 || *size > wire::kMaxPayload)
            usage_error("--max-frame " + max_frame + ": must be between 64 bytes and " +
                        std::to_string(wire::kMaxPayload) + " bytes (64M)");
        cfg.limits.max_frame = static_cast<uint32_t>(*size);
    }
    if (!max_log_size.empty()) {
        auto size = parse_size(max_log_size, "--max-log-size");
        if (!size) usage_error(size.error().message);
        // The log travels in one reply frame, with the message around it.
        if (*size > wire::kMaxPayload / 2)
            usage_error("--max-log-size " + max_log_size + ": must be at most " +
                        std::to_string(wire::kMaxPayload / 2) + " bytes (32M)");
        cfg.limits.max_log_size = static_cast<uint32_t>(*size);
    }
}

// Returns the options, or exits with CLI11's usage message.
Config parse_command_line(int argc, char **argv) {
    Config cfg;
    cfg.tree.root_uid = geteuid();
    cfg.tree.root_gid = getegid();
    apply_user_defaults(cfg);
    std::vector<std::string> mount_options;
    CLI::App app("bpffsd " BPFFSD_VERSION
                 ": a user-space BPF filesystem. Mounts MOUNTPOINT (FUSE), where pinned BPF "
                 "objects appear as files, and serves bpf(2)-style commands from bpffsctl and "
                 "libbpffs on a Unix control socket.",
                 "bpffsd");
    app.add_flag("-f,--foreground", cfg.foreground,
                 "stay in the foreground and log to stderr (default: detach once the mount and "
                 "the socket are ready, and log to syslog)");
    app.add_option("--socket", cfg.socket_path, "control socket path")->capture_default_str();
    app.add_option("--socket-group", cfg.socket_access.group,
                   "give the control socket to this group (name or number)")
        ->type_name("GROUP");
    app.add_option("--socket-mode", cfg.socket_access.mode_text,
                   "control socket permissions, octal (default 0777: every command checks the "
                   "caller's credentials)")
        ->type_name("OCTAL");
    app.add_option("-o", mount_options,
                   "mount options, comma separated: mode=OCTAL (root directory mode; the sticky "
                   "bit is always added), uid=N, gid=N (root directory owner), allow_other "
                   "(let other users access the mount); unknown options are ignored, as bpffs "
                   "does")
        ->type_name("OPTIONS")
        ->allow_extra_args(false);
    app.add_option("--log-level", cfg.log_level,
                   "trace, debug (one line per control command), info, warn, error, critical "
                   "or off")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
        ->capture_default_str();
    app.add_option("--ncpus", cfg.ncpus,
                   "number of possible CPUs per-CPU maps have (default: this machine's)")
        ->check(CLI::Range(1u, 4096u));
    app.add_option("--prog-group", cfg.prog_group,
                   "programs loaded by members of this group (name or number) are verified "
                   "with the kernel's privileged rules, as root's are; other users' with the "
                   "strict rules (no uninitialised stack reads, no pointers stored in maps)")
        ->type_name("GROUP");
    app.add_flag("--checked-vm", cfg.checked_vm,
                 "run programs with every memory access bounds-checked even though the "
                 "verifier proved them safe (defence in depth, slower)");
    std::string max_memory, max_frame, max_log_size;
    app.add_option("--max-memory", max_memory,
                   "memory all maps together may use, in bytes or with a K, M, G or T suffix "
                   "(array values and hash buckets are charged when a map is created, hash "
                   "elements as they are added); beyond it MAP_CREATE and updates fail with "
                   "ENOMEM (default: no limit)")
        ->type_name("SIZE");
    app.add_option("--max-client-fds", cfg.limits.max_fds,
                   "open fds one client connection may hold; beyond it commands that make an "
                   "fd fail with EMFILE")
        ->check(CLI::Range(size_t{1}, size_t{1} << 24))
        ->capture_default_str();
    app.add_option("--max-frame", max_frame,
                   "largest request one client may send (payload bytes, or with a K or M "
                   "suffix; at most 64M); a larger one gets E2BIG and the connection is closed "
                   "(default: 64M)")
        ->type_name("SIZE");
    app.add_option("--max-log-size", max_log_size,
                   "largest log buffer (log_size) PROG_LOAD and BTF_LOAD may ask for; a larger "
                   "one fails with E2BIG (default: 16M)")
        ->type_name("SIZE");
    app.add_option("MOUNTPOINT", cfg.mountpoint, "where to mount (created if missing)")
        ->capture_default_str();
    app.set_version_flag("--version", BPFFSD_VERSION);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError &e) {
        exit(app.exit(e));
    }
    for (const auto &opts : mount_options) {
        std::string ignored;
        if (auto st = parse_mount_options(opts, cfg, ignored); !st) {
            fprintf(stderr, "bpffsd: -o %s: %s\n", opts.c_str(), st.error().message.c_str());
            exit(2);
        }
        if (!ignored.empty())
            fprintf(stderr, "bpffsd: ignoring unknown mount options: %s\n", ignored.c_str());
    }
    if (auto st = check_socket_access(cfg.socket_access); !st) {
        fprintf(stderr, "bpffsd: %s\n", st.error().message.c_str());
        exit(2);
    }
    apply_size_options(cfg, max_memory, max_frame, max_log_size);
    if (cfg.ncpus == 0) cfg.ncpus = possible_cpus();
    prog_cmds::LoadPolicy policy;
    policy.checked_vm = cfg.checked_vm;
    if (!cfg.prog_group.empty()) {
        auto gid = resolve_group(cfg.prog_group);
        if (!gid) {
            fprintf(stderr, "bpffsd: --prog-group: %s\n", gid.error().message.c_str());
            exit(2);
        }
        policy.has_privileged_gid = true;
        policy.privileged_gid = *gid;
    }
    prog_cmds::set_load_policy(policy);
    return cfg;
}

Status make_directories(const std::string &path) {
    for (size_t pos = 1;; ++pos) {
        pos = path.find('/', pos);
        std::string prefix = path.substr(0, pos);
        if (mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST)
            return fail(errno, "cannot create " + prefix + ": " + strerror(errno));
        if (pos == std::string::npos) return ok();
    }
}

// The canonical mount point (created if missing): clients' paths are
// compared against it.
Result<std::string> prepare_mountpoint(const std::string &path) {
    if (path.empty()) return fail(EINVAL, "the mount point is empty");
    if (auto st = make_directories(path); !st) return tl::unexpected(st.error());
    char buf[PATH_MAX];
    if (realpath(path.c_str(), buf) == nullptr)
        return fail(errno, "cannot resolve the mount point " + path + ": " + strerror(errno));
    return std::string(buf);
}

// The socket path made absolute, as it is advertised to clients.
std::string absolute(const std::string &path) {
    if (!path.empty() && path.front() == '/') return path;
    char cwd[PATH_MAX];
    if (getcwd(cwd, sizeof(cwd)) == nullptr) return path;
    return std::string(cwd) + "/" + path;
}

void setup_logging(const Config &cfg, bool to_syslog) {
    auto logger = to_syslog ? spdlog::syslog_logger_mt("bpffsd", "bpffsd", LOG_PID, LOG_DAEMON)
                            : spdlog::stderr_color_mt("bpffsd");
    logger->set_level(spdlog::level::from_str(cfg.log_level));
    if (!to_syslog) logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
    spdlog::set_default_logger(logger);
}

sigset_t stop_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    return set;
}

int run(const Config &cfg, Daemonizer &daemonizer) {
    auto startup_failed = [&](const std::string &msg) {
        spdlog::error("{}", msg);
        daemonizer.failed(msg);
        return 1;
    };
    std::string socket_path = absolute(cfg.socket_path);
    // A live daemon on the socket: refuse before creating or mounting anything.
    if (auto st = ControlServer::claim_socket_path(socket_path); !st)
        return startup_failed(st.error().message + " (" + errno_name(st.error().code) + ")");
    auto mountpoint = prepare_mountpoint(cfg.mountpoint);
    if (!mountpoint) return startup_failed(mountpoint.error().message);

    PinTreeOptions tree_opts = cfg.tree;
    tree_opts.mount_point = *mountpoint;  // absolute symlink targets are followed inside
    PinTree tree(tree_opts);
    // iter: maps.debug and progs.debug at the root, as the kernel's bpf_preload.
    if (auto st = preload_iterators(tree, getuid(), getgid()); !st)  // iter
        spdlog::warn("no maps.debug/progs.debug: {}", st.error().message);  // iter
    mem_budget::set_limit(cfg.max_memory);
    Syscall syscall(tree, SyscallOptions{*mountpoint, cfg.ncpus, BPFFSD_VERSION});
    syscall.set_limits(cfg.limits);
    // The socket first: a live daemon on it means its mount must not be
    // touched either.
    auto server = ControlServer::start(socket_path, syscall, cfg.socket_access);
    if (!server)
        return startup_failed(server.error().message + " (" + errno_name(server.error().code) +
                              ")");
    MountOptions mopts;
    mopts.mountpoint = *mountpoint;
    mopts.socket_path = socket_path;
    mopts.allow_other = cfg.allow_other;
    // iter: the built-in targets, and reading a pinned iterator link runs a session.
    if (auto st = register_builtin_targets(); !st)
        return startup_failed(st.error().message);                                     // iter
    if (!mopts.open_handlers) mopts.open_handlers = std::make_shared<OpenHandlers>();  // iter
    mopts.open_handlers->set(ObjectKind::link, std::make_shared<IterOpenHandler>());  // iter
    mopts.open_handlers->set(ObjectKind::map, std::make_shared<MapOpenHandler>());  // iter
    auto mount = FuseMount::start(tree, mopts);
    if (!mount && mount.error().code == ENOTCONN) {
        // Unmounted from outside while starting: a stop, as after the start.
        (*server)->stop();
        spdlog::info("{} was unmounted; stopping ({})", *mountpoint, mount.error().message);
        daemonizer.failed(mount.error().message);
        return 0;
    }
    if (!mount) {
        (*server)->stop();
        return startup_failed("cannot mount " + *mountpoint + ": " + mount.error().message + " (" +
                              errno_name(mount.error().code) + ")");
    }
    spdlog::info("bpffsd {} serving {} on {} ({} possible CPUs)", BPFFSD_VERSION, *mountpoint,
                 socket_path, cfg.ncpus);
    if (cfg.max_memory != 0) spdlog::info("maps may use at most {} bytes", cfg.max_memory);
    daemonizer.ready();
    notify_systemd_ready("serving " + *mountpoint + " on " + socket_path);

    // An unmount from outside (umount, fusermount3 -u) ends the daemon too.
    std::atomic<bool> stopping{false};
    std::thread watcher([&] {
        (*mount)->wait();
        if (!stopping) {
            spdlog::info("{} was unmounted; stopping", *mountpoint);
            kill(getpid(), SIGTERM);
        }
    });
    sigset_t set = stop_signals();
    int sig = 0;
    sigwait(&set, &sig);
    stopping = true;
    spdlog::info("{}; stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
    (*server)->stop();
    (*mount)->stop();
    watcher.join();
    spdlog::info("unmounted {}; bye", *mountpoint);
    return 0;
}

}  // namespace

int main(int argc, char **argv) {
    Config cfg = parse_command_line(argc, argv);
    Daemonizer daemonizer;
    if (!cfg.foreground) daemonizer.detach();  // before any thread exists
    // Every thread inherits this mask; only run()'s sigwait takes the signals.
    sigset_t set = stop_signals();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    signal(SIGPIPE, SIG_IGN);
    // Detached: logs go to syslog; startup errors reach the parent through the pipe.
    setup_logging(cfg, !cfg.foreground);
    return run(cfg, daemonizer);
}
