// Command-line words and bpftool's rules for reading them: keywords match
// by prefix ("up" is "update", "" matches the first candidate), numbers are
// read by strtoul with base 0 (so "010" is octal and "08" is an error), and
// running out of words in the middle of a command is a usage error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace bpffsctl {

class Cli;

// A cursor over the words of one command line. Words before the cursor stay
// reachable because bpftool's messages quote the previous word.
struct Args {
    const std::vector<std::string> *words = nullptr;
    size_t pos = 0;

    size_t argc() const { return pos < words->size() ? words->size() - pos : 0; }
    bool empty() const { return argc() == 0; }
    const std::string &cur() const { return (*words)[pos]; }
    const std::string &prev() const { return (*words)[pos - 1]; }
    // The word i places ahead, or nullptr past the end (bpftool's NULL-ended argv).
    const std::string *peek(size_t i = 0) const {
        return pos + i < words->size() ? &(*words)[pos + i] : nullptr;
    }
    // bpftool's NEXT_ARG: advance, and stop with usage() when there was
    // nothing to advance over.
    void next(Cli &cli);
    // Advance and return the word passed over (bpftool's GET_ARG).
    const std::string &take() { return (*words)[pos++]; }
};

// True when pfx (possibly null) is a prefix of keyword.
bool is_prefix(const std::string *pfx, const char *keyword);
inline bool is_prefix(const std::string &pfx, const char *keyword) {
    return is_prefix(&pfx, keyword);
}

// "key 4" style numbers of map create: "<what> already specified" when the
// value is already non-zero, "can't parse X as <what>" on junk. The cursor is
// on the keyword; on success it ends after the number.
bool parse_u32_arg(Cli &cli, Args &args, uint32_t &value, const char *what);

// A byte list: n words (or "hex" then n words read in base 16). Returns
// false after reporting "error parsing byte: X" or "<name> expected N bytes
// got M".
bool parse_bytes(Cli &cli, Args &args, const char *name, uint8_t *out, size_t n);

}  // namespace bpffsctl
