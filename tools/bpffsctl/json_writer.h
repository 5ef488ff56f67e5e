// The JSON writer of bpftool's -j/-p output, reproduced byte for byte.
//
// bpftool streams JSON through a small writer (inherited from iproute2) whose
// layout is not what a generic JSON library produces: pretty mode breaks the
// line before every object member and before every closing bracket of a
// non-empty container, but never between array elements; strings are escaped
// with its own table (a backslash becomes the two characters "\n", a quirk of
// bpftool 7.1 that scripts already parse). Scripts compare these bytes, so the
// writer mirrors that state machine: a depth, a pending separator, pretty on
// or off.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace bpffsctl {

class JsonWriter {
  public:
    explicit JsonWriter(FILE *out) : out_(out) {}

    void set_pretty(bool on) { pretty_ = on; }
    bool pretty() const { return pretty_; }
    unsigned depth() const { return depth_; }

    void start_object() { begin('{'); }
    void end_object() { end('}'); }
    void start_array() { begin('['); }
    void end_array() { end(']'); }

    // The name of the next object member ("name": in pretty mode).
    void name(std::string_view name);
    // A value printed verbatim (numbers, pre-quoted text, null...).
    void raw(std::string_view text);
    // A string value, escaped the way bpftool escapes it.
    void string(std::string_view text);
    // A string value quoted but not escaped (how bpftool prints errors).
    void quoted_unescaped(std::string_view text);
    void null() { raw("null"); }
    void uint_value(uint64_t v) { raw(std::to_string(v)); }
    void int_value(int64_t v) { raw(std::to_string(v)); }
    void bool_value(bool v) { raw(v ? "true" : "false"); }

    void uint_field(std::string_view n, uint64_t v);
    void int_field(std::string_view n, int64_t v);
    void string_field(std::string_view n, std::string_view v);
    void bool_field(std::string_view n, bool v);
    void null_field(std::string_view n);

    // What bpftool writes when it destroys its writer: a final newline.
    void finish();

    // The escaped form of text, quotes included (exposed for tests).
    static std::string escape(std::string_view text);

  private:
    void begin(char bracket);
    void end(char bracket);
    void separate();  // comma before every element but the first
    void newline();   // line break and indentation, pretty mode only
    void put(std::string_view s) { fwrite(s.data(), 1, s.size(), out_); }

    FILE *out_;
    unsigned depth_ = 0;
    bool pretty_ = false;
    char sep_ = '\0';
};

}  // namespace bpffsctl
