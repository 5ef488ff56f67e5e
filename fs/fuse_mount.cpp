#include "fs/fuse_mount.h"

#include <fuse_lowlevel.h>
#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "fs/fuse_ops.h"
#include "fs/stale_mount.h"

namespace bpffs {

namespace {

// Mount options. default_permissions: the kernel's bpffs leaves DAC to the
// VFS (generic_permission, the sticky rule, may_linkat) using the inode's
// attributes; with default_permissions the FUSE module runs those same
// checks on our attributes, including for path walks over cached dentries
// that never reach the daemon. The pin tree checks again with the
// request's credentials (the same rules), which the socket path needs
// anyway.
std::string mount_option_string(const MountOptions &opts) {
    std::string o = "default_permissions,fsname=bpffs,subtype=bpffs";
    if (opts.allow_other) o += ",allow_other";
    return o;
}

// Forwards changes made through the socket to the kernel's caches. Shared
// with the hook so that stop() can cut it off before the session goes.
struct Notifier {
    std::mutex mutex;
    fuse_session *session = nullptr;

    void forward(const TreeChange &change) {
        std::lock_guard lock(mutex);
        if (session == nullptr) return;
        // Errors only mean the kernel had nothing cached (ENOENT) or the
        // session is going away; neither needs handling.
        if (!change.name.empty()) {
            fuse_lowlevel_notify_inval_entry(session, change.parent, change.name.c_str(),
                                             change.name.size());
            fuse_lowlevel_notify_inval_inode(session, change.parent, -1, 0);
        } else {
            fuse_lowlevel_notify_inval_inode(session, change.ino, -1, 0);
        }
    }
};

// fuse_session_loop_mt's thread sleeps in sem_wait() until a worker ends;
// fuse_session_exit() alone does not wake it. This signal, sent to that
// thread only, interrupts the sem_wait (a handler without SA_RESTART), so
// the loop sees the exit flag, cancels the workers blocked in read() on
// /dev/fuse and joins them. A real-time signal: SIGUSR1/2 are the
// embedding program's (tests use them).
int wake_signal() {
    return SIGRTMIN + 5;
}

void install_wake_handler() {
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction sa {};
        sa.sa_handler = [](int) {};
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = 0;  // no SA_RESTART: the point is to interrupt sem_wait
        sigaction(wake_signal(), &sa, nullptr);
    });
}

}  // namespace

struct FuseMount::Impl {
    PinTree &tree;
    MountOptions opts;
    std::unique_ptr<FsContext> context;
    fuse_session *session = nullptr;
    std::shared_ptr<Notifier> notifier = std::make_shared<Notifier>();
    std::thread loop;

    std::mutex state_mutex;
    std::condition_variable state_changed;
    bool initialized = false;
    bool finished = false;

    std::mutex stop_mutex;
    bool stopped = false;

    Impl(PinTree &t, const MountOptions &o) : tree(t), opts(o) {}

    Status create_session();
    void serve();
    bool wait_for(std::chrono::milliseconds timeout, bool Impl::*flag);
    void end_loop();
};

Status FuseMount::Impl::create_session() {
    context = std::make_unique<FsContext>(
        FsContext{tree, opts.open_handlers, opts.socket_path, opts.cache_timeout, {}});
    context->on_init = [this] {
        std::lock_guard lock(state_mutex);
        initialized = true;
        state_changed.notify_all();
    };
    std::string options = mount_option_string(opts);
    std::vector<const char *> argv = {"bpffsd", "-o", options.c_str()};
    fuse_args args =
        FUSE_ARGS_INIT(static_cast<int>(argv.size()), const_cast<char **>(argv.data()));
    const fuse_lowlevel_ops &ops = bpffs_fuse_ops();
    session = fuse_session_new(&args, &ops, sizeof(ops), context.get());
    fuse_opt_free_args(&args);
    if (session == nullptr) return fail(EINVAL, "libfuse refused the session options: " + options);
    if (fuse_session_mount(session, opts.mountpoint.c_str()) != 0) {
        fuse_session_destroy(session);
        session = nullptr;
        return fail(EIO, "cannot mount FUSE at " + opts.mountpoint +
                             " (is /dev/fuse there and are we allowed to mount?)");
    }
    return ok();
}

void FuseMount::Impl::serve() {
    // The wake signal must reach this thread, whatever mask it inherited.
    sigset_t wake;
    sigemptyset(&wake);
    sigaddset(&wake, wake_signal());
    pthread_sigmask(SIG_UNBLOCK, &wake, nullptr);
    fuse_loop_config config{};
    // Each worker reads its own clone of /dev/fuse (libfuse goes on without
    // if cloning fails): a request's round trip measured 20 to 25% shorter
    // here than with all workers on one fd (getxattr of the root, stat).
    config.clone_fd = 1;
    config.max_idle_threads = opts.max_threads;
    int rc = fuse_session_loop_mt(session, &config);
    if (rc != 0) spdlog::debug("{}: session loop ended with {}", opts.log_tag, rc);
    // The kernel forgot every inode with the connection.
    tree.forget_all();
    std::lock_guard lock(state_mutex);
    finished = true;
    state_changed.notify_all();
}

bool FuseMount::Impl::wait_for(std::chrono::milliseconds timeout, bool Impl::*flag) {
    std::unique_lock lock(state_mutex);
    return state_changed.wait_for(lock, timeout, [&] { return this->*flag || finished; }) &&
           this->*flag;
}

void FuseMount::Impl::end_loop() {
    fuse_session_exit(session);
    // Resent until the loop ends: a signal that arrives just before the
    // loop's sem_wait() is lost. A worker busy in one of our handlers
    // finishes it first (libfuse cancels workers only while they read).
    auto waited = std::chrono::milliseconds(0);
    bool warned = false;
    for (;;) {
        pthread_kill(loop.native_handle(), wake_signal());
        if (wait_for(std::chrono::milliseconds(10), &Impl::finished)) return;
        waited += std::chrono::milliseconds(10);
        if (!warned && waited >= std::chrono::seconds(5)) {
            spdlog::warn("{}: still waiting for a FUSE request handler to finish", opts.log_tag);
            warned = true;
        }
    }
}

Result<std::unique_ptr<FuseMount>> FuseMount::start(PinTree &tree, const MountOptions &opts) {
    if (auto usable = clear_stale_mount(opts.mountpoint); !usable)
        return tl::unexpected(usable.error());
    install_wake_handler();
    auto impl = std::make_unique<Impl>(tree, opts);
    if (auto created = impl->create_session(); !created) return tl::unexpected(created.error());
    impl->loop = std::thread([raw = impl.get()] { raw->serve(); });
    std::unique_ptr<FuseMount> mount(new FuseMount(std::move(impl)));
    Impl &m = *mount->impl_;
    if (!m.wait_for(std::chrono::seconds(10), &Impl::initialized)) {
        std::lock_guard lock(m.state_mutex);
        // The loop ended first: the connection went away before the kernel's
        // INIT, which an unmount from outside right after mount(2) does.
        if (m.finished)
            return fail(ENOTCONN, "the FUSE connection of " + opts.mountpoint +
                                      " ended before the kernel initialised it (unmounted)");
        return fail(EIO, "the kernel did not initialise the FUSE mount at " + opts.mountpoint);
    }
    tree.set_mount_point(opts.mountpoint);
    {
        std::lock_guard lock(m.notifier->mutex);
        m.notifier->session = m.session;
    }
    tree.set_change_hook([notifier = m.notifier](const TreeChange &c) { notifier->forward(c); });
    spdlog::info("{}: bpffs mounted at {}", opts.log_tag, opts.mountpoint);
    return mount;
}

FuseMount::FuseMount(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

FuseMount::~FuseMount() {
    stop();
}

void FuseMount::wait() {
    std::unique_lock lock(impl_->state_mutex);
    impl_->state_changed.wait(lock, [&] { return impl_->finished; });
}

void FuseMount::stop() {
    Impl &m = *impl_;
    std::lock_guard stop_lock(m.stop_mutex);
    if (m.stopped) return;
    m.stopped = true;
    m.tree.set_change_hook({});
    {
        std::lock_guard lock(m.notifier->mutex);
        m.notifier->session = nullptr;
    }
    bool finished = false;
    {
        std::lock_guard lock(m.state_mutex);
        finished = m.finished;
    }
    // The serving threads end before the session's /dev/fuse fd is closed:
    // fuse_session_unmount closes it, and a worker still reading it would
    // race with that (and could read a reused fd number).
    if (!finished) m.end_loop();
    if (m.loop.joinable()) m.loop.join();
    // Closes /dev/fuse, which aborts the connection (requests of processes
    // still using the mount fail with ENOTCONN), and detaches the mount.
    // Unmounted from outside, libfuse sees the dead connection (POLLERR)
    // and skips the umount, but only this frees its copy of the mount
    // point (fuse_session_destroy does not: LeakSanitizer reports it).
    fuse_session_unmount(m.session);
    fuse_session_destroy(m.session);
    m.session = nullptr;
    spdlog::info("{}: bpffs unmounted from {}", m.opts.log_tag, m.opts.mountpoint);
}

}  // namespace bpffs
