#pragma once
#include <string_view>

namespace qforge {

// Strict UTF-8 check: no overlong forms, no surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::string_view s);

}  // namespace qforge
