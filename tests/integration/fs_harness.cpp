// A test-only bpffs: a PinTree with a few trivial objects, mounted with
// FuseMount at the directory given on the command line until SIGTERM or
// SIGINT. fs_*.sh drive it with coreutils.
//
//   fs_harness MOUNTPOINT [SOCKET_PATH]
//
// Lines on stdout tell the script what happened: "ready", "pinned NAME"
// (after SIGUSR1: pins made through the path API, as the control socket
// does, must be visible to the next ls), "got NAME" (after SIGUSR2: an
// OBJ_GET of "obj_get_target" touching its atime), "released NAME" (an
// object's last reference went away), "stopped".
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include <spdlog/spdlog.h>

#include "core/pin_tree.h"
#include "fs/fuse_mount.h"
#include "fs/open_handler.h"

using namespace bpffs;

namespace {

void say(const std::string &line) {
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
}

// An object that reports when its last reference goes.
struct NamedObject : Object {
    std::string name;
    NamedObject(ObjectKind kind, std::string n) : Object(kind), name(std::move(n)) {}
    ~NamedObject() override { say("released " + name); }
};

// Stands for an iterator link: opening it gives a small text, like cat of a
// pinned iterator.
struct TextLink : NamedObject {
    using NamedObject::NamedObject;
};

class TextFile : public OpenFile {
  public:
    explicit TextFile(std::string text) : text_(std::move(text)) {}
    Result<size_t> read(char *buf, size_t size, off_t) override {
        size_t n = std::min(size, text_.size() - pos_);
        std::memcpy(buf, text_.data() + pos_, n);
        pos_ += n;
        return n;
    }

  private:
    std::string text_;
    size_t pos_ = 0;
};

// Links that are TextLinks open as text; any other link: EIO, as the kernel
// answers for non-iterator links.
class TextLinkHandler : public OpenHandler {
  public:
    Result<std::unique_ptr<OpenFile>> open(const std::shared_ptr<Object> &obj, const Cred &cred,
                                           int) override {
        auto *link = dynamic_cast<TextLink *>(obj.get());
        if (link == nullptr) return fail(EIO, "not an iterator link");
        std::string text = "session " + std::to_string(++sessions_) + " of " + link->name +
                           " for uid " + std::to_string(cred.uid) + "\n";
        return std::unique_ptr<OpenFile>(new TextFile(text));
    }

  private:
    int sessions_ = 0;
};

Status pin_initial_objects(PinTree &tree) {
    Cred root;
    auto pin = [&](const std::string &path, std::shared_ptr<Object> obj) {
        return tree.pin(root, path, std::move(obj));
    };
    if (auto made = tree.mkdir(root, kRootIno, "dir", 0755); !made)
        return tl::unexpected(made.error());
    else
        tree.forget(made->st_ino, 1);  // the kernel never saw this lookup
    for (auto [path, kind] : {std::pair{"map1", ObjectKind::map},
                              {"dir/prog1", ObjectKind::prog},
                              {"link1", ObjectKind::link},
                              {"obj_get_target", ObjectKind::map}}) {
        if (auto done = pin(path, std::make_shared<NamedObject>(kind, path)); !done) return done;
    }
    return pin("iter1", std::make_shared<TextLink>(ObjectKind::link, "iter1"));
}

}  // namespace

int main(int argc, char **argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s MOUNTPOINT [SOCKET_PATH]\n", argv[0]);
        return 2;
    }
    // Signals are taken with sigwait by this thread only.
    sigset_t signals;
    sigemptyset(&signals);
    for (int sig : {SIGTERM, SIGINT, SIGUSR1, SIGUSR2})
        sigaddset(&signals, sig);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    // spdlog's registry is created on first use; create it before the FUSE
    // threads log, as bpffsd does (its lazy creation is thread-safe, but
    // inside the uninstrumented libspdlog, so TSan cannot tell).
    spdlog::set_level(spdlog::level::info);
    PinTree tree(PinTreeOptions{});
    if (auto pinned = pin_initial_objects(tree); !pinned) {
        std::fprintf(stderr, "pin: %s\n", pinned.error().message.c_str());
        return 1;
    }
    MountOptions opts;
    opts.mountpoint = argv[1];
    opts.socket_path = argc > 2 ? argv[2] : "";
    opts.allow_other = true;
    opts.open_handlers = std::make_shared<OpenHandlers>();
    opts.open_handlers->set(ObjectKind::link, std::make_shared<TextLinkHandler>());
    auto mount = FuseMount::start(tree, opts);
    if (!mount) {
        std::fprintf(stderr, "mount: %s\n", mount.error().message.c_str());
        return 1;
    }
    say("ready");
    int late = 0;
    for (;;) {
        int sig = 0;
        sigwait(&signals, &sig);
        if (sig == SIGUSR1) {
            std::string name = "late" + std::to_string(++late);
            Cred root;
            auto pinned =
                tree.pin(root, name, std::make_shared<NamedObject>(ObjectKind::map, name));
            say(pinned ? "pinned " + name : "pin failed: " + pinned.error().message);
        } else if (sig == SIGUSR2) {
            auto got = tree.get(Cred{}, "obj_get_target", R_OK);
            say(got ? "got obj_get_target" : "get failed: " + got.error().message);
        } else {
            break;
        }
    }
    (*mount)->stop();
    say("stopped");
    return 0;
}
