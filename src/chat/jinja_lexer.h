#pragma once
// Template text to tokens, exactly as @huggingface/jinja does it: the same preprocessing (one trailing newline
// dropped, Hugging Face's trim_blocks and lstrip_blocks, `{% generation %}` tags removed) and the same token
// rules, so whitespace and literals come out byte-identical. Positions survive the preprocessing, so errors
// name the line and column of the template as written.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace qforge::chat::jinja {

class SourceText {
public:
    explicit SourceText(const std::string& source);

    const std::string& text() const { return text_; }  // after preprocessing
    // 1-based line and column (in code points) in the original template of a position in text().
    std::pair<int, int> line_column(std::uint32_t pos) const;
    std::string where(std::uint32_t pos) const;  // "line L, column C"

private:
    std::string original_;             // the template, malformed UTF-8 replaced
    std::string text_;
    std::vector<std::uint32_t> origin_;  // origin_[i]: offset in original_ of text_[i]; one extra for the end
};

enum class TokenType : std::uint8_t {
    Text,
    NumericLiteral,
    StringLiteral,
    Identifier,
    Equals,
    OpenParen,
    CloseParen,
    OpenStatement,
    CloseStatement,
    OpenExpression,
    CloseExpression,
    OpenSquareBracket,
    CloseSquareBracket,
    OpenCurlyBracket,
    CloseCurlyBracket,
    Comma,
    Dot,
    Colon,
    Pipe,
    AdditiveBinaryOperator,        // + - ~
    MultiplicativeBinaryOperator,  // * / // %
    ExponentiationBinaryOperator,  // **
    ComparisonBinaryOperator,      // < > <= >= == !=
    UnaryOperator,                 // - + not followed by a number
    Comment,
    EndOfInput,                    // what the parser sees past the last token
};

const char* token_type_name(TokenType t);

struct Token {
    TokenType type;
    std::string value;  // string literals decoded
    std::uint32_t pos;  // offset in SourceText::text()
};

// Throws qforge::Error naming the line and column for an unterminated string, comment or tag, a bad escape,
// or a character that cannot start a token.
std::vector<Token> tokenize(const SourceText& source);

}  // namespace qforge::chat::jinja
