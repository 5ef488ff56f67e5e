#include "tools/bpffsctl/cli.h"

#include <cstdarg>
#include <cstdlib>

#include "tools/bpffsctl/args.h"

namespace bpffsctl {

namespace {
std::string vformat(const char *fmt, va_list ap) {
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(nullptr, 0, fmt, copy);
    va_end(copy);
    if (n <= 0) return {};
    std::string s(static_cast<size_t>(n) + 1, '\0');
    vsnprintf(s.data(), s.size(), fmt, ap);
    s.resize(static_cast<size_t>(n));
    return s;
}
}  // namespace

std::string format(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    std::string s = vformat(fmt, ap);
    va_end(ap);
    return s;
}

void Cli::enable_json(bool pretty) {
    if (!json_) json_.emplace(out);
    json_->set_pretty(pretty);
}

void Cli::error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    std::string msg = vformat(fmt, ap);
    va_end(ap);
    if (json_) {
        json_->start_object();
        json_->name("error");
        json_->quoted_unescaped(msg);
        json_->end_object();
    } else {
        fprintf(err, "Error: %s\n", msg.c_str());
    }
}

void Cli::info(const char *fmt, ...) {
    if (json_) return;
    va_list ap;
    va_start(ap, fmt);
    std::string msg = vformat(fmt, ap);
    va_end(ap);
    fprintf(err, "%s\n", msg.c_str());
}

int Cli::bad_arg(const Args &args) {
    error("what is '%s'?", args.cur().c_str());
    return -1;
}

bool Cli::require_args(const Args &args, size_t n) {
    if (args.argc() >= n) return true;
    error("'%s' needs at least %zu arguments, %zu found", args.prev().c_str(), n, args.argc());
    return false;
}

void Cli::set_help(HelpFn help, std::string object_word) {
    help_ = std::move(help);
    help_word_ = std::move(object_word);
}

void Cli::usage() {
    if (help_) help_(*this, help_word_);
    finish();
    fflush(out);
    fflush(err);
    std::exit(255);
}

void Cli::finish() {
    if (json_) json_->finish();
}

}  // namespace bpffsctl
