#pragma once
// Numbers as the reference renderer sees them: @huggingface/jinja keeps every number as a JavaScript double, so
// printing, parsing and coercion follow ECMAScript rather than Python (`{{ 1e21 }}` is "1e+21", `true == 1`).
#include <string>
#include <string_view>

namespace qforge::chat::js {

// Number.prototype.toString(): shortest round-trip digits, exponent form outside [1e-7, 1e21).
std::string number_to_string(double v);
// How @huggingface/jinja prints a float: whole numbers keep one decimal ("2.0"), -0 is "-0.0".
std::string float_to_string(double v);
// parseInt(s, 10) and parseFloat(s): the longest numeric prefix after leading whitespace, NaN when none.
double parse_int(std::string_view s);
double parse_float(std::string_view s);
// Number(s), the coercion `==` applies between a string and a number: the whole trimmed string or NaN.
double string_to_number(std::string_view s);

}  // namespace qforge::chat::js
