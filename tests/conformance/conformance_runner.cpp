// Runs the bpf_conformance corpus (tests/*.data) through a plugin executable
// (bpffs-vm) the way bpf_conformance's own runner does: the program as hex
// bytes on stdin, the input memory as a hex first argument, r0 read back in
// hex from stdout. Prints PASS/FAIL/SKIP per file and a total; exits 1 if
// any test failed, 77 (meson's "skipped") when the corpus is not there.
//
//   conformance_runner PLUGIN CORPUS_DIR [--cpu N] [--verbose]
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/vm/assembler.h"
#include "core/vm/isa.h"

extern char **environ;

namespace fs = std::filesystem;
using bpffs::vm::Group;
using bpffs::vm::Insn;

namespace {

// The groups bpffsd implements; tests using others (packet, callx) are skipped.
const std::set<Group> kGroups = {Group::base32,   Group::base64,   Group::atomic32,
                                 Group::atomic64, Group::divmul32, Group::divmul64};

struct TestFile {
    std::string asm_text;
    std::string raw;
    std::string mem;
    std::string result;
    std::string error;
    bool has_result = false;
    bool has_error = false;
};

// Sections as bpf_conformance's test parser reads them: "-- asm", "-- raw",
// "-- mem", "-- result", "-- error"; "-- c" and "-- no register offset"
// sections are ignored. Comments ('#') in assembly are dropped.
TestFile parse(const fs::path &path) {
    enum { ignore, assembly, raw, mem, result, error } state = ignore;
    TestFile t;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.rfind("--", 0) == 0) {
            std::string d = line.substr(2);
            if (d.find("asm") != std::string::npos)
                state = assembly;
            else if (d.find("result") != std::string::npos)
                state = result, t.has_result = true;
            else if (d.find("mem") != std::string::npos)
                state = mem;
            else if (d.find("raw") != std::string::npos)
                state = raw;
            else if (d.find("error") != std::string::npos)
                state = error, t.has_error = true;
            else
                state = ignore;
            continue;
        }
        if (line.empty()) continue;
        switch (state) {
            case assembly:
                t.asm_text += line + "\n";
                break;
            case raw:
                t.raw += " " + line;
                break;
            case mem:
                t.mem += " " + line;
                break;
            case result:
                if (line[0] != '#') t.result = line;
                break;
            case error:
                t.error = line;
                break;
            case ignore:
                break;
        }
    }
    return t;
}

bool parse_raw(const std::string &raw, std::vector<Insn> &out) {
    std::istringstream in(raw);
    for (std::string w; in >> w;) {
        char *end = nullptr;
        uint64_t v = std::strtoull(w.c_str(), &end, 0);
        if (*end != '\0') return false;
        Insn insn{};
        std::memcpy(&insn, &v, sizeof insn);
        out.push_back(insn);
    }
    return true;
}

std::string hex_bytes(const uint8_t *p, size_t n) {
    std::string s;
    char buf[4];
    for (size_t i = 0; i < n; ++i) {
        std::snprintf(buf, sizeof buf, "%02x", p[i]);
        if (i) s += ' ';
        s += buf;
    }
    return s;
}

std::string normalize_mem(const std::string &mem) {
    std::vector<uint8_t> bytes;
    std::istringstream in(mem);
    for (std::string w; in >> w;)
        bytes.push_back(uint8_t(std::strtoul(w.c_str(), nullptr, 16)));
    return hex_bytes(bytes.data(), bytes.size());
}

struct PluginRun {
    int status = -1;  // exit status, or -1 if it did not exit normally
    std::string out, err;
};

// Runs the plugin with stdin = program text; collects stdout and stderr.
bool run_plugin(const std::string &plugin, const std::string &mem, const std::string &program,
                PluginRun &run, std::string &why) {
    int in[2], out[2], err[2];
    if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
        why = std::string("pipe: ") + std::strerror(errno);
        return false;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    std::vector<char *> argv = {const_cast<char *>(plugin.c_str()), const_cast<char *>(mem.c_str()),
                                nullptr};
    pid_t pid;
    int rc = posix_spawn(&pid, plugin.c_str(), &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    close(out[1]);
    close(err[1]);
    if (rc != 0) {
        close(in[1]);
        close(out[0]);
        close(err[0]);
        why = "cannot start " + plugin + ": " + std::strerror(rc);
        return false;
    }
    // Programs are small: the whole text fits the pipe buffer.
    std::string text = program + "\n";
    (void)!write(in[1], text.data(), text.size());
    close(in[1]);
    pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    std::string *bufs[2] = {&run.out, &run.err};
    int open_fds = 2;
    while (open_fds > 0) {
        if (poll(fds, 2, 10000) <= 0) {
            kill(pid, SIGKILL);
            why = "the plugin did not finish within 10 s";
            break;
        }
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
            char buf[4096];
            ssize_t n = read(fds[i].fd, buf, sizeof buf);
            if (n <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
            } else {
                bufs[i]->append(buf, size_t(n));
            }
        }
    }
    for (auto &f : fds)
        if (f.fd >= 0) close(f.fd);
    int wstatus = 0;
    waitpid(pid, &wstatus, 0);
    run.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
    return why.empty();
}

std::string first_line(std::string s) {
    if (auto nl = s.find('\n'); nl != std::string::npos) s.resize(nl);
    return s;
}

enum class Outcome { pass, fail, skip };

Outcome run_test(const std::string &plugin, const fs::path &file, int cpu, std::string &detail) {
    TestFile t = parse(file);
    if (!t.has_result && !t.has_error) {
        detail = "no result or error section";
        return Outcome::skip;
    }
    std::vector<Insn> insns;
    if (!t.raw.empty()) {
        if (!parse_raw(t.raw, insns)) {
            detail = "bad -- raw section";
            return Outcome::fail;
        }
    } else {
        auto assembled = bpffs::vm::assemble(t.asm_text);
        if (!assembled) {
            if (t.has_error) {
                detail = "rejected by the assembler as expected: " + assembled.error().message;
                return Outcome::pass;
            }
            detail = "assembler: " + assembled.error().message;
            return Outcome::fail;
        }
        insns = std::move(*assembled);
    }
    if (insns.empty()) {
        detail = "no instructions";
        return Outcome::skip;
    }
    for (size_t i = 0; i < insns.size(); ++i) {
        Group g = bpffs::vm::insn_group(insns[i]);
        if (!kGroups.count(g)) {
            detail = std::string("uses group ") + bpffs::vm::group_name(g) + " (instruction " +
                     std::to_string(i) + "), outside bpffsd's groups";
            return Outcome::skip;
        }
        if (bpffs::vm::insn_cpu_version(insns[i]) > cpu) {
            detail = "needs cpu v" + std::to_string(bpffs::vm::insn_cpu_version(insns[i]));
            return Outcome::skip;
        }
        if (insns[i].code == bpffs::vm::op::kLddw) ++i;  // second half is not an instruction
    }
    std::string program =
        hex_bytes(reinterpret_cast<const uint8_t *>(insns.data()), insns.size() * sizeof(Insn));
    PluginRun run;
    std::string why;
    if (!run_plugin(plugin, normalize_mem(t.mem), program, run, why)) {
        detail = why;
        return Outcome::fail;
    }
    if (run.status != 0) {
        if (t.has_error) {
            detail = "failed as expected: " + first_line(run.err);
            return Outcome::pass;
        }
        detail = "plugin exit status " + std::to_string(run.status) + ": " + first_line(run.err);
        return Outcome::fail;
    }
    if (t.has_error) {
        detail = "expected error '" + t.error + "', got r0 = " + first_line(run.out);
        return Outcome::fail;
    }
    uint64_t expected = std::strtoull(t.result.c_str(), nullptr, 0);
    char *end = nullptr;
    std::string got = first_line(run.out);
    uint64_t value = std::strtoull(got.c_str(), &end, 16);
    if (got.empty() || *end != '\0') {
        detail = "plugin printed '" + got + "', not a hex number";
        return Outcome::fail;
    }
    if (value != expected) {
        detail = "r0 = 0x" + got + ", expected " + t.result;
        return Outcome::fail;
    }
    return Outcome::pass;
}

}  // namespace

int main(int argc, char **argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s PLUGIN CORPUS_DIR [--cpu N] [--verbose]\n", argv[0]);
        return 2;
    }
    // A plugin that exits without reading its stdin must not kill the runner.
    signal(SIGPIPE, SIG_IGN);
    std::string plugin = argv[1];
    fs::path corpus = argv[2];
    int cpu = 4;
    bool verbose = false;
    for (int i = 3; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--cpu") && i + 1 < argc) cpu = std::atoi(argv[++i]);
        if (!std::strcmp(argv[i], "--verbose")) verbose = true;
    }
    fs::path tests = corpus / "tests";
    std::error_code ec;
    if (!fs::is_directory(tests, ec)) {
        std::printf("SKIP: the bpf_conformance corpus is not at %s\n", tests.c_str());
        return 77;
    }
    std::vector<fs::path> files;
    for (auto &e : fs::directory_iterator(tests))
        if (e.path().extension() == ".data") files.push_back(e.path());
    std::sort(files.begin(), files.end());

    int pass = 0, fail = 0, skip = 0;
    for (auto &f : files) {
        std::string detail;
        Outcome o = run_test(plugin, f, cpu, detail);
        const std::string name = f.stem().string();
        if (o == Outcome::pass) {
            ++pass;
            if (verbose)
                std::printf("PASS %s%s\n", name.c_str(),
                            detail.empty() ? "" : (": " + detail).c_str());
        } else if (o == Outcome::skip) {
            ++skip;
            std::printf("SKIP %s: %s\n", name.c_str(), detail.c_str());
        } else {
            ++fail;
            std::printf("FAIL %s: %s\n", name.c_str(), detail.c_str());
        }
    }
    std::printf("conformance (cpu v%d): %d passed, %d failed, %d skipped of %zu\n", cpu, pass, fail,
                skip, files.size());
    return fail == 0 ? 0 : 1;
}
