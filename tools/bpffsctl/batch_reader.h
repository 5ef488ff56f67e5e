// Reading `batch file FILE` the way bpftool 7.1 does: one command per line,
// '#' starts a comment anywhere (even inside quotes), a line ending in '\'
// continues on the next one, words are split on blanks and may be quoted
// with ' or " (no escapes; the closing quote ends the word). Error messages
// name the command by the number of commands already processed, as bpftool
// does.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace bpffsctl {

// Splits one (comment-stripped) command line into words. Returns false and
// sets error on an unterminated quote or too many words.
bool split_batch_line(const std::string &line, unsigned cmd_nb, std::vector<std::string> &words,
                      std::string &error);

class BatchReader {
  public:
    explicit BatchReader(FILE *in) : in_(in) {}

    enum class Status { command, end, failed };
    // The next command with at least one word. cmd_nb is the number of
    // commands processed so far (it appears in error messages).
    Status next(unsigned cmd_nb, std::vector<std::string> &words, std::string &error);

  private:
    bool read_line(std::string &line);
    FILE *in_;
};

inline constexpr size_t kBatchLineMax = 65536;  // bpftool's line buffer
inline constexpr size_t kBatchArgsMax = 4096;   // words per command, NULL included

}  // namespace bpffsctl
