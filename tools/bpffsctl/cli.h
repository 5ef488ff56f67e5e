// The state of one bpffsctl run, shared by every command: output mode
// (plain, -j, -p), global options, and bpftool's two reporting channels:
// errors (plain: "Error: ..." on stderr; JSON: {"error":"..."} on stdout) and
// informational lines (stderr, silent in JSON mode).
#pragma once

#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tools/bpffsctl/json_writer.h"

namespace bpffsctl {

struct Args;

class Cli {
  public:
    Cli(FILE *out, FILE *err) : out(out), err(err) {}

    FILE *out;
    FILE *err;
    std::string bin_name = "bpffsctl";
    bool show_pinned = false;  // -f: list the paths where maps are pinned
    bool debug = false;        // -d

    bool json() const { return json_.has_value(); }
    JsonWriter &jw() { return *json_; }
    // -j (and -p, which implies it); later options only change prettiness.
    void enable_json(bool pretty);

    // bpftool's p_err / p_info, printf-style.
    void error(const char *fmt, ...) __attribute__((format(printf, 2, 3)));
    void info(const char *fmt, ...) __attribute__((format(printf, 2, 3)));
    // The "what is 'X'?" error of a stray argument; returns -1.
    int bad_arg(const Args &args);
    // bpftool's REQ_ARGS: reports and returns false when fewer than n
    // arguments remain.
    bool require_args(const Args &args, size_t n);

    // The help that usage() prints: the one of the command level that
    // dispatched last, given the object word the user typed ("map", "m"...).
    using HelpFn = std::function<int(Cli &, const std::string &object_word)>;
    void set_help(HelpFn help, std::string object_word);
    int print_help() { return help_(*this, help_word_); }
    // Prints the current help and ends the process with status 255, exactly
    // where bpftool's usage() exits (bad command lines, even inside a batch).
    [[noreturn]] void usage();
    // Ends the JSON document (final newline) if one is open.
    void finish();

  private:
    std::optional<JsonWriter> json_;
    HelpFn help_;
    std::string help_word_;
};

std::string format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace bpffsctl
