#pragma once
// JSON in and out of the interpreter. Output is the `tojson` filter of @huggingface/jinja (JSON.stringify with
// Python's separators: ", " and ": ", or "," and ": " when indenting; non-ASCII kept unless ensure_ascii).
// Input converts a render context the way JavaScript sees a parsed JSON object: whole numbers are integers,
// and integer-like keys come first in ascending order (Object.entries order).
#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "chat/jinja_value.h"

namespace qforge::chat::jinja {

struct JsonOptions {
    std::optional<double> indent;  // spaces; none, 0 or NaN mean no newlines
    bool ensure_ascii = false;
    std::optional<std::pair<std::string, std::string>> separators;  // (item separator, key separator)
    bool sort_keys = false;
    bool undefined_as_null = true;  // tojson writes null; printing a dict writes undefined
    std::size_t max_bytes = std::numeric_limits<std::size_t>::max();
};

// Fails (EvalError) for functions, tuples and keyword arguments, as JSON.stringify's caller there does, when
// the value nests deeper than kMaxValueDepth, or when the text would exceed max_bytes.
std::string to_json(const Value& value, const JsonOptions& options);

// Containers nested deeper than this are refused (a namespace can hold itself; JSON input can be hostile).
inline constexpr int kMaxValueDepth = 512;

Value from_json(const nlohmann::json& j);
Value from_json(const nlohmann::ordered_json& j);

}  // namespace qforge::chat::jinja
