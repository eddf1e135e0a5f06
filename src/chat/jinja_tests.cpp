// The tests of @huggingface/jinja (`x is string`, `selectattr("type", "equalto", "function")`). Note where they
// differ from Python's Jinja: only lists and strings are `iterable` (dicts are not), tuples are not either.
#include <array>
#include <cmath>
#include <string_view>

#include "chat/jinja_builtins.h"
#include "chat/js_string.h"

namespace qforge::chat::jinja {

namespace {

constexpr std::array<std::string_view, 19> kTests = {
    "boolean", "callable", "odd",      "even",    "false",    "true",  "none",
    "string",  "number",   "integer",  "iterable", "mapping", "sequence", "lower",
    "upper",   "defined",  "undefined", "equalto", "eq"};

}  // namespace

bool is_known_test(std::string_view name) {
    for (std::string_view t : kTests)
        if (t == name) return true;
    return false;
}

bool run_test(std::string_view name, const Value& v, const Value* argument) {
    if (name == "boolean") return v.is(Type::Bool);
    if (name == "callable") return v.is(Type::Function);
    if (name == "odd" || name == "even") {
        if (!v.is(Type::Int)) eval_fail("test '{}' needs an integer, got a {}", name, type_name(v));
        const bool odd = std::fmod(v.as_number(), 2.0) != 0;
        return name == "odd" ? odd : !odd;
    }
    if (name == "false") return v.is(Type::Bool) && !v.as_bool();
    if (name == "true") return v.is(Type::Bool) && v.as_bool();
    if (name == "none") return v.is_none();
    if (name == "string") return v.is_string();
    if (name == "number") return v.is_number();
    if (name == "integer") return v.is(Type::Int);
    if (name == "iterable") return v.is(Type::List) || v.is_string();
    if (name == "mapping") return v.is_mapping();
    if (name == "sequence") return v.is_sequence() || v.is_mapping() || v.is_string();
    if (name == "lower") return v.is_string() && v.as_string() == js::to_lower(v.as_string());
    if (name == "upper") return v.is_string() && v.as_string() == js::to_upper(v.as_string());
    if (name == "defined") return !v.is_undefined();
    if (name == "undefined") return v.is_undefined();
    if (name == "equalto" || name == "eq") {
        if (!argument) eval_fail("test '{}' needs a value to compare with", name);
        return strict_equals(v, *argument);
    }
    eval_fail("unknown test '{}'", name);
}

}  // namespace qforge::chat::jinja
