#pragma once
// The reference renderer's built-in filters, tests, methods and globals, each implemented in its own file
// (jinja_filters.cpp, jinja_tests.cpp, jinja_methods.cpp, jinja_globals.cpp) with that renderer's semantics.
#include <string_view>

#include "chat/jinja_ast.h"
#include "chat/jinja_interpreter.h"
#include "chat/jinja_value.h"

namespace qforge::chat::jinja {

// `operand | filter` and {% filter %} blocks.
Value apply_filter(Interpreter& in, const Value& operand, const FilterRef& filter, const EnvPtr& env);

// `x is name` and the tests named in select/reject filters; `argument` is the test's second operand when the
// filter passes one. Fails for an unknown test.
bool run_test(std::string_view name, const Value& operand, const Value* argument);
bool is_known_test(std::string_view name);

// The members a value has besides its entries: string methods and `length`, list `length`, dict methods
// (get, items, keys, values, dictsort). Undefined when there is none of that name.
Value builtin_member(const Value& self, std::string_view name);

// Orders two values as the sort filter and dictsort do: numbers (and booleans) with numbers, strings with
// strings (case-insensitively unless asked), none with none; anything else fails.
int compare_values(const Value& a, const Value& b, bool case_sensitive);

// namespace(), raise_exception(), range(), strftime_now() and the constants true/false/none (both cases).
void install_globals(Interpreter& in, Env& global);

}  // namespace qforge::chat::jinja
