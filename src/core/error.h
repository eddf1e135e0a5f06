#pragma once
// The one exception type of qforge. Messages name the file, the field or tensor, and what was expected,
// so the CLI can print a single line and exit 1.
#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace qforge {

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message) : std::runtime_error(message) {}
};

template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) {
    throw Error(fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace qforge
