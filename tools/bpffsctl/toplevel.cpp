#include "tools/bpffsctl/toplevel.h"

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "tools/bpffsctl/batch_reader.h"
#include "tools/bpffsctl/btf_cmd.h"
#include "tools/bpffsctl/cli.h"
#include "tools/bpffsctl/command_table.h"
#include "tools/bpffsctl/daemon_choice.h"
#include "tools/bpffsctl/help.h"
#include "tools/bpffsctl/iter_cmd.h"  // link
#include "tools/bpffsctl/link_cmd.h"  // link
#include "tools/bpffsctl/map_cmd.h"
#include "tools/bpffsctl/prog_cmd.h"

namespace bpffsctl {

namespace {

constexpr const char *kCompatVersion = "7.1.0";  // the bpftool whose grammar we follow
constexpr const char *kApiVersion = "1.1";       // the libbpf API level libbpffs mirrors
constexpr const char *kLibVersion = "0.1.0";     // libbpffs itself

int do_help(Cli &cli, Args) {
    return print_main_help(cli, "");
}

// Objects of bpftool that bpffsd does not offer through this CLI yet.
int not_offered(Cli &cli, Args args) {
    cli.error("'%s' commands are not provided by %s", args.prev().c_str(), cli.bin_name.c_str());
    return -1;
}

int do_version_cmd(Cli &cli, Args) {
    return do_version(cli);
}

int do_batch(Cli &cli, Args args);

const Command kObjects[] = {
    {"help", do_help},     {"batch", do_batch},         {"prog", do_prog},
    {"map", do_map},       {"link", do_link},           {"cgroup", not_offered},
    {"perf", not_offered}, {"net", not_offered},        {"feature", not_offered},
    {"btf", do_btf},       {"gen", not_offered},        {"struct_ops", not_offered},
    {"iter", do_iter},     {"version", do_version_cmd},
};

void json_command_words(Cli &cli, const std::vector<std::string> &words) {
    JsonWriter &jw = cli.jw();
    jw.start_object();
    jw.name("command");
    jw.start_array();
    for (const std::string &w : words)
        jw.string(w);
    jw.end_array();
    jw.name("output");
}

int run_batch(Cli &cli, FILE *in) {
    BatchReader reader(in);
    std::vector<std::string> words;
    std::string error;
    unsigned processed = 0;
    while (true) {
        BatchReader::Status st = reader.next(processed, words, error);
        if (st == BatchReader::Status::end) break;
        if (st == BatchReader::Status::failed) {
            cli.error("%s", error.c_str());
            return -1;
        }
        if (cli.json()) json_command_words(cli, words);
        choose_daemon_for(words);
        int err = run_command(cli, Args{&words, 0});
        if (cli.json()) cli.jw().end_object();
        if (err) return err;
        ++processed;
    }
    if (!cli.json()) fprintf(cli.out, "processed %u commands\n", processed);
    return 0;
}

int do_batch(Cli &cli, Args args) {
    if (args.argc() < 2) {
        cli.error("too few parameters for batch");
        return -1;
    }
    if (!is_prefix(args.cur(), "file")) {
        cli.error("expected 'file', got: %s", args.cur().c_str());
        return -1;
    }
    if (args.argc() > 2) {
        cli.error("too many parameters for batch");
        return -1;
    }
    args.next(cli);
    const std::string &path = args.cur();
    FILE *in = path == "-" ? stdin : fopen(path.c_str(), "r");
    if (!in) {
        cli.error("Can't open file (%s): %s", path.c_str(), strerror(errno));
        return -1;
    }
    if (cli.json()) cli.jw().start_array();
    int err = run_batch(cli, in);
    if (in != stdin) fclose(in);
    if (cli.json()) cli.jw().end_array();
    return err;
}

}  // namespace

int run_command(Cli &cli, Args args) {
    return select_command(cli, kObjects, args, print_main_help);
}

int do_version(Cli &cli) {
    if (cli.json()) {
        JsonWriter &jw = cli.jw();
        jw.start_object();
        jw.name("version");
        jw.raw(format("\"%s\"", kCompatVersion));
        jw.name("libbpf_version");
        jw.raw(format("\"%s\"", kApiVersion));
        jw.name("features");
        jw.start_object();
        jw.bool_field("libbfd", false);
        jw.bool_field("libbpf_strict", true);
        jw.bool_field("skeletons", false);
        jw.end_object();
        jw.end_object();
    } else {
        fprintf(cli.out, "%s v%s\nusing libbpffs v%s\nfeatures: libbpf_strict\n",
                cli.bin_name.c_str(), kCompatVersion, kLibVersion);
    }
    return 0;
}

}  // namespace bpffsctl
