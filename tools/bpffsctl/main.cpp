// bpffsctl: bpftool 7.1's command line for bpffsd. Options are read with
// getopt_long exactly as bpftool reads them (permuted, -p implies -j,
// unknown options print usage), plus --socket to pick the daemon.
#include <getopt.h>

#include <cstdio>
#include <string>
#include <vector>

#include "tools/bpffsctl/cli.h"
#include "tools/bpffsctl/daemon_choice.h"
#include "tools/bpffsctl/help.h"
#include "tools/bpffsctl/toplevel.h"
#include "tools/libbpffs/bpffs.h"

using namespace bpffsctl;

namespace {
constexpr int kSocketOption = 0x100;

const option kOptions[] = {
    {"json", no_argument, nullptr, 'j'},
    {"help", no_argument, nullptr, 'h'},
    {"pretty", no_argument, nullptr, 'p'},
    {"version", no_argument, nullptr, 'V'},
    {"bpffs", no_argument, nullptr, 'f'},
    {"mapcompat", no_argument, nullptr, 'm'},
    {"nomount", no_argument, nullptr, 'n'},
    {"debug", no_argument, nullptr, 'd'},
    {"use-loader", no_argument, nullptr, 'L'},
    {"base-btf", required_argument, nullptr, 'B'},
    {"legacy", no_argument, nullptr, 'l'},
    {"socket", required_argument, nullptr, kSocketOption},
    {nullptr, 0, nullptr, 0},
};
}  // namespace

int main(int argc, char **argv) {
    setlinebuf(stdout);
    Cli cli(stdout, stderr);
    cli.bin_name = argv[0];
    cli.set_help(print_main_help, "");

    bool version_requested = false;
    bool pretty = false;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, "VhpjfLmndB:l", kOptions, nullptr)) >= 0) {
        switch (opt) {
            case 'V':
                version_requested = true;
                break;
            case 'h':
                return print_main_help(cli, "");
            case 'p':
                pretty = true;
                [[fallthrough]];
            case 'j':
                cli.enable_json(pretty);
                break;
            case 'f':
                cli.show_pinned = true;
                break;
            case 'd':
                cli.debug = true;
                break;
            case 'm':
            case 'n':
            case 'L':
            case 'B':
            case 'l':
                break;  // accepted for compatibility; nothing to change here
            case kSocketOption:
                if (bpffs_set_socket(optarg) != 0) {
                    cli.error("can't use socket %s", optarg);
                    return -1;
                }
                daemon_chosen_by_user();
                break;
            default:
                cli.error("unrecognized option '%s'", argv[optind - 1]);
                if (cli.json()) {
                    cli.finish();
                    return 255;
                }
                cli.usage();
        }
    }
    if (version_requested) return do_version(cli);

    std::vector<std::string> words(argv + optind, argv + argc);
    choose_daemon_for(words);
    int ret = run_command(cli, Args{&words, 0});
    if (cli.debug && ret && *bpffs_last_error())
        fprintf(stderr, "bpffsd: %s\n", bpffs_last_error());
    cli.finish();
    return ret;
}
