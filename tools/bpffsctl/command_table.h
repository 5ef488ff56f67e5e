// bpftool's command dispatch: the first table entry whose name the typed
// word is a prefix of wins (so table order decides "d" = dump), no word runs
// the first entry, an unknown word prints the level's help and fails.
#pragma once

#include <cstddef>
#include <string>

#include "tools/bpffsctl/args.h"
#include "tools/bpffsctl/cli.h"

namespace bpffsctl {

struct Command {
    const char *name;
    int (*run)(Cli &cli, Args args);  // args start after the command word
};

template <size_t N>
int select_command(Cli &cli, const Command (&table)[N], Args args,
                   int (*help)(Cli &, const std::string &)) {
    std::string object_word = args.pos > 0 ? (*args.words)[args.pos - 1] : std::string();
    cli.set_help(help, object_word);
    if (args.empty()) return table[0].run(cli, args);
    for (const Command &cmd : table) {
        if (is_prefix(args.cur(), cmd.name)) return cmd.run(cli, Args{args.words, args.pos + 1});
    }
    help(cli, object_word);
    return -1;
}

}  // namespace bpffsctl
