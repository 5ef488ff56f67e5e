// The usage texts of bpftool 7.1 (printed on stderr, or "null" in JSON
// mode), with the program name the user typed and the object word as given.
#pragma once

#include <string>

namespace bpffsctl {

class Cli;

// `bpffsctl help`, `-h`, and usage errors before an object was chosen.
int print_main_help(Cli &cli, const std::string &unused);
// `bpffsctl map help` and usage errors of map commands.
int print_map_help(Cli &cli, const std::string &object_word);
// `bpffsctl prog help` (bpftool's text; bpffsctl provides show, list, dump
// xlated, pin, load and loadall) and `bpffsctl btf help`.
int print_prog_help(Cli &cli, const std::string &object_word);
int print_btf_help(Cli &cli, const std::string &object_word);
// `bpffsctl link help` and usage errors of link commands.
int print_link_help(Cli &cli, const std::string &object_word);
// `bpffsctl iter help`: bpftool prints it even in JSON mode and names the
// object "iter" whatever word was typed; bpffsctl adds `iter run`.
int print_iter_help(Cli &cli, const std::string &object_word);

}  // namespace bpffsctl
