#pragma once
// Tokens to syntax tree, with @huggingface/jinja's grammar and precedence (filters bind tighter than unary
// minus, tests tighter than `*`, `not` looser than comparisons), so every template parses to the same meaning.
#include <vector>

#include "chat/jinja_ast.h"
#include "chat/jinja_lexer.h"

namespace qforge::chat::jinja {

// Limits that keep a hostile template from exhausting the stack while it is parsed or evaluated.
inline constexpr int kMaxParseNesting = 100;     // nested blocks, parentheses and brackets
inline constexpr int kMaxExpressionDepth = 300;  // height of one expression tree (long operator chains)

// Throws qforge::Error naming the line and column and what was expected there.
Program parse(const std::vector<Token>& tokens, const SourceText& source);

}  // namespace qforge::chat::jinja
