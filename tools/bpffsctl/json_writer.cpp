#include "tools/bpffsctl/json_writer.h"

namespace bpffsctl {

void JsonWriter::separate() {
    if (sep_ != '\0') fputc(sep_, out_);
    sep_ = ',';
}

void JsonWriter::newline() {
    if (!pretty_) return;
    fputc('\n', out_);
    for (unsigned i = 0; i < depth_; ++i)
        put("    ");
}

void JsonWriter::begin(char bracket) {
    separate();
    fputc(bracket, out_);
    ++depth_;
    sep_ = '\0';
}

void JsonWriter::end(char bracket) {
    if (depth_ > 0) --depth_;
    // Only a container that received something gets its closing bracket on
    // a line of its own.
    if (sep_ != '\0') newline();
    fputc(bracket, out_);
    sep_ = ',';
}

void JsonWriter::name(std::string_view name) {
    separate();
    newline();
    sep_ = '\0';
    put(escape(name));
    fputc(':', out_);
    if (pretty_) fputc(' ', out_);
}

void JsonWriter::raw(std::string_view text) {
    separate();
    put(text);
}

void JsonWriter::string(std::string_view text) {
    separate();
    put(escape(text));
}

void JsonWriter::quoted_unescaped(std::string_view text) {
    separate();
    fputc('"', out_);
    put(text);
    fputc('"', out_);
}

void JsonWriter::uint_field(std::string_view n, uint64_t v) {
    name(n);
    uint_value(v);
}

void JsonWriter::int_field(std::string_view n, int64_t v) {
    name(n);
    int_value(v);
}

void JsonWriter::string_field(std::string_view n, std::string_view v) {
    name(n);
    string(v);
}

void JsonWriter::bool_field(std::string_view n, bool v) {
    name(n);
    bool_value(v);
}

void JsonWriter::null_field(std::string_view n) {
    name(n);
    null();
}

void JsonWriter::finish() {
    fputc('\n', out_);
    fflush(out_);
}

std::string JsonWriter::escape(std::string_view text) {
    std::string s = "\"";
    for (char c : text) {
        switch (c) {
            case '\t':
                s += "\\t";
                break;
            case '\n':
                s += "\\n";
                break;
            case '\r':
                s += "\\r";
                break;
            case '\f':
                s += "\\f";
                break;
            case '\b':
                s += "\\b";
                break;
            case '\\':
                s += "\\n";
                break;  // bpftool 7.1's table, kept on purpose
            case '"':
                s += "\\\"";
                break;
            default:
                s += c;
        }
    }
    s += '"';
    return s;
}

}  // namespace bpffsctl
