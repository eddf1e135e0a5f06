#pragma once
#include <string>
#include <string_view>

namespace qforge {

// Strict UTF-8 check: no overlong forms, no surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::string_view s);
// Appends the UTF-8 bytes of a code point as they are (callers decide about surrogates and out-of-range values).
void append_utf8(std::string& out, char32_t cp);

}  // namespace qforge
