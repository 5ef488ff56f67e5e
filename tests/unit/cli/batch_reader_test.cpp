#include <catch2/catch.hpp>

#include <cstring>

#include "tools/bpffsctl/batch_reader.h"

using namespace bpffsctl;

namespace {
// A FILE* over fixed text.
struct Input {
    std::string text;
    FILE *f;
    explicit Input(std::string t) : text(std::move(t)) {
        f = fmemopen(text.data(), text.size(), "r");
    }
    ~Input() { fclose(f); }
};
}  // namespace

TEST_CASE("words split on blanks; quotes keep blanks and end at the closing quote") {
    std::vector<std::string> words;
    std::string error;
    REQUIRE(split_batch_line("map  show\tpinned \"/a b\"'c'd\n", 0, words, error));
    CHECK(words == std::vector<std::string>{"map", "show", "pinned", "/a b", "c", "d"});
    CHECK_FALSE(split_batch_line("map show 'oops\n", 3, words, error));
    CHECK(error == "unterminated quoted string in command 3");
}

TEST_CASE("comments, blank lines and continuation lines") {
    Input in(
        "# header\n"
        "\n"
        "map show pinned /x # trailing\n"
        "map update key \\\n"
        "  1 0 0 0 # more\n"
        "map dump 'quoted # not a comment'\n");
    BatchReader reader(in.f);
    std::vector<std::string> words;
    std::string error;
    REQUIRE(reader.next(0, words, error) == BatchReader::Status::command);
    CHECK(words == std::vector<std::string>{"map", "show", "pinned", "/x"});
    REQUIRE(reader.next(1, words, error) == BatchReader::Status::command);
    CHECK(words == std::vector<std::string>{"map", "update", "key", "1", "0", "0", "0"});
    // '#' cuts the line even inside quotes, as in bpftool.
    CHECK(reader.next(2, words, error) == BatchReader::Status::failed);
    CHECK(error == "unterminated quoted string in command 2");
}

TEST_CASE("a continuation at the end of the file is an error") {
    Input in("map show \\\n");
    BatchReader reader(in.f);
    std::vector<std::string> words;
    std::string error;
    CHECK(reader.next(4, words, error) == BatchReader::Status::failed);
    CHECK(error == "missing continuation line on command 4");
    Input empty("");
    BatchReader none(empty.f);
    CHECK(none.next(0, words, error) == BatchReader::Status::end);
}
