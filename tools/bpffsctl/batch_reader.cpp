#include "tools/bpffsctl/batch_reader.h"

#include <cerrno>
#include <cstring>

#include "tools/bpffsctl/cli.h"

namespace bpffsctl {

namespace {
constexpr const char *kBlanks = " \t\r\n";

void strip_comment(std::string &line) {
    size_t hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
}
}  // namespace

bool split_batch_line(const std::string &line, unsigned cmd_nb, std::vector<std::string> &words,
                      std::string &error) {
    words.clear();
    size_t i = 0;
    while (i < line.size()) {
        i = line.find_first_not_of(kBlanks, i);
        if (i == std::string::npos) break;
        if (words.size() >= kBatchArgsMax - 1) {
            error = format("too many arguments to command %u", cmd_nb);
            return false;
        }
        if (line[i] == '\'' || line[i] == '"') {
            size_t close = line.find(line[i], i + 1);
            if (close == std::string::npos) {
                error = format("unterminated quoted string in command %u", cmd_nb);
                return false;
            }
            words.push_back(line.substr(i + 1, close - i - 1));
            i = close + 1;  // the closing quote separates words
        } else {
            size_t end = line.find_first_of(kBlanks, i);
            if (end == std::string::npos) end = line.size();
            words.push_back(line.substr(i, end - i));
            i = end + 1;
        }
    }
    return true;
}

// One fgets()-sized piece: up to and including '\n', at most kBatchLineMax-1
// bytes. Embedded NULs end the line early, as they do for bpftool's strlen.
bool BatchReader::read_line(std::string &line) {
    std::vector<char> buf(kBatchLineMax);
    if (!fgets(buf.data(), static_cast<int>(buf.size()), in_)) return false;
    line.assign(buf.data(), strlen(buf.data()));
    return true;
}

BatchReader::Status BatchReader::next(unsigned cmd_nb, std::vector<std::string> &words,
                                      std::string &error) {
    std::string line;
    while (read_line(line)) {
        strip_comment(line);
        if (line.size() == kBatchLineMax - 1) {
            error = format("reading batch file failed: %s", strerror(E2BIG));
            return Status::failed;
        }
        while (line.find("\\\n") != std::string::npos) {
            std::string cont;
            if (!read_line(cont) || cont.empty()) {
                error = format("missing continuation line on command %u", cmd_nb);
                return Status::failed;
            }
            strip_comment(cont);
            if (line.size() + cont.size() + 1 > kBatchLineMax) {
                error = format("command %u is too long", cmd_nb);
                return Status::failed;
            }
            line.resize(line.size() - 2);  // drop the backslash and newline
            line += cont;
        }
        if (!split_batch_line(line, cmd_nb, words, error)) return Status::failed;
        if (!words.empty()) return Status::command;
    }
    if (ferror(in_)) {
        error = format("reading batch file failed: %s", strerror(errno));
        return Status::failed;
    }
    return Status::end;
}

}  // namespace bpffsctl
