// Result types: every fallible operation returns an errno value plus a
// sentence for the person who will read it. No exceptions cross layers.
#pragma once

#include <string>
#include <utility>

#include <tl/expected.hpp>

namespace bpffs {

struct Error {
    int code = 0;         // a positive errno value (EINVAL, ENOENT, ...; 524 = ENOTSUPP)
    std::string message;  // what was wrong, in a sentence
};

template <class T>
using Result = tl::expected<T, Error>;
using Status = Result<void>;

inline tl::unexpected<Error> fail(int code, std::string message) {
    return tl::unexpected<Error>(Error{code, std::move(message)});
}

inline Status ok() { return {}; }

// The kernel-internal ENOTSUPP, which some map operations leak to user space.
inline constexpr int kENOTSUPP = 524;

}  // namespace bpffs
