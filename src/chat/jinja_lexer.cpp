#include "chat/jinja_lexer.h"

#include <string_view>

#include "chat/js_string.h"
#include "core/error.h"

namespace qforge::chat::jinja {

namespace {

// Text with, for every byte, the offset in the original template it came from.
struct Mapped {
    std::string text;
    std::vector<std::uint32_t> origin;  // text.size() + 1 entries

    void copy(const Mapped& src, std::size_t from, std::size_t len) {
        text.append(src.text, from, len);
        origin.insert(origin.end(), src.origin.begin() + static_cast<std::ptrdiff_t>(from),
                      src.origin.begin() + static_cast<std::ptrdiff_t>(from + len));
    }
    void finish(const Mapped& src) { origin.push_back(src.origin.back()); }
};

char at(const std::string& s, std::size_t i) { return i < s.size() ? s[i] : '\0'; }

bool is_js_line_terminator_at(const std::string& s, std::size_t i, std::size_t& len) {
    if (s[i] == '\n' || s[i] == '\r') {
        len = 1;
        return true;
    }
    if (static_cast<unsigned char>(s[i]) == 0xE2 && static_cast<unsigned char>(at(s, i + 1)) == 0x80 &&
        (static_cast<unsigned char>(at(s, i + 2)) == 0xA8 || static_cast<unsigned char>(at(s, i + 2)) == 0xA9)) {
        len = 3;
        return true;
    }
    return false;
}

// template.replace(/^[ \t]*({[#%-])/gm, "$1"): blanks before a block or comment tag at the start of a line go.
Mapped lstrip_blocks(const Mapped& in) {
    Mapped out;
    const std::string& s = in.text;
    bool line_start = true;
    for (std::size_t i = 0; i < s.size();) {
        if (line_start) {
            line_start = false;
            std::size_t q = i;
            while (q < s.size() && (s[q] == ' ' || s[q] == '\t')) ++q;
            const char next = at(s, q + 1);
            if (at(s, q) == '{' && (next == '#' || next == '%' || next == '-')) i = q;
        }
        std::size_t len = 1;
        if (is_js_line_terminator_at(s, i, len)) line_start = true;
        out.copy(in, i, len);
        i += len;
    }
    out.finish(in);
    return out;
}

// template.replace(/([#%-]})\n/g, "$1"): the newline after a tag goes.
Mapped trim_blocks(const Mapped& in) {
    Mapped out;
    const std::string& s = in.text;
    for (std::size_t i = 0; i < s.size();) {
        const char c = s[i];
        if ((c == '#' || c == '%' || c == '-') && at(s, i + 1) == '}' && at(s, i + 2) == '\n') {
            out.copy(in, i, 2);
            i += 3;
        } else {
            out.copy(in, i, 1);
            ++i;
        }
    }
    out.finish(in);
    return out;
}

std::size_t skip_whitespace(const std::string& s, std::size_t i) {
    return i + js::leading_whitespace(std::string_view(s).substr(i));
}

bool starts_with_at(const std::string& s, std::size_t i, std::string_view what) {
    return s.compare(i, what.size(), what) == 0;
}

// Removes transformers' {% generation %} / {% endgeneration %} markers (regex
// /{%(-?)\s*(?:end)?generation\s*(-?)%}(\s*)/gs), honouring their whitespace control.
Mapped strip_generation_tags(const Mapped& in) {
    const std::string& s = in.text;
    Mapped out;
    std::size_t last = 0;
    for (std::size_t i = s.find("{%"); i != std::string::npos; i = s.find("{%", i + 1)) {
        std::size_t j = i + 2;
        const bool lstrip = at(s, j) == '-';
        if (lstrip) ++j;
        j = skip_whitespace(s, j);
        if (starts_with_at(s, j, "endgeneration")) {
            j += 13;
        } else if (starts_with_at(s, j, "generation")) {
            j += 10;
        } else {
            continue;
        }
        j = skip_whitespace(s, j);
        bool rstrip = false;
        if (starts_with_at(s, j, "-%}")) {
            rstrip = true;
            j += 3;
        } else if (starts_with_at(s, j, "%}")) {
            j += 2;
        } else {
            continue;
        }
        const std::size_t after_start = j;
        j = skip_whitespace(s, j);
        std::size_t end = i;
        if (lstrip) end = last + js::trailing_whitespace_start(std::string_view(s).substr(last, i - last));
        out.copy(in, last, end - last);
        if (!rstrip) out.copy(in, after_start, j - after_start);
        last = j;
        i = j - 1;
    }
    out.copy(in, last, s.size() - last);
    out.finish(in);
    return out;
}

bool is_word(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

struct Rule {
    std::string_view seq;
    TokenType type;
};

// In the reference's order: longer sequences before their prefixes.
constexpr Rule kRules[] = {
    {"{%", TokenType::OpenStatement},
    {"%}", TokenType::CloseStatement},
    {"{{", TokenType::OpenExpression},
    {"}}", TokenType::CloseExpression},
    {"(", TokenType::OpenParen},
    {")", TokenType::CloseParen},
    {"{", TokenType::OpenCurlyBracket},
    {"}", TokenType::CloseCurlyBracket},
    {"[", TokenType::OpenSquareBracket},
    {"]", TokenType::CloseSquareBracket},
    {",", TokenType::Comma},
    {".", TokenType::Dot},
    {":", TokenType::Colon},
    {"|", TokenType::Pipe},
    {"<=", TokenType::ComparisonBinaryOperator},
    {">=", TokenType::ComparisonBinaryOperator},
    {"==", TokenType::ComparisonBinaryOperator},
    {"!=", TokenType::ComparisonBinaryOperator},
    {"<", TokenType::ComparisonBinaryOperator},
    {">", TokenType::ComparisonBinaryOperator},
    {"+", TokenType::AdditiveBinaryOperator},
    {"-", TokenType::AdditiveBinaryOperator},
    {"~", TokenType::AdditiveBinaryOperator},
    {"**", TokenType::ExponentiationBinaryOperator},
    {"*", TokenType::MultiplicativeBinaryOperator},
    {"//", TokenType::MultiplicativeBinaryOperator},
    {"/", TokenType::MultiplicativeBinaryOperator},
    {"%", TokenType::MultiplicativeBinaryOperator},
    {"=", TokenType::Equals},
};

class Lexer {
public:
    explicit Lexer(const SourceText& source) : source_(source), src_(source.text()) {}

    std::vector<Token> run() {
        while (cursor_ < src_.size()) step();
        return std::move(tokens_);
    }

private:
    [[noreturn]] void error(std::size_t pos, const std::string& what) const {
        fail("chat template {}: {}", source_.where(static_cast<std::uint32_t>(pos)), what);
    }

    TokenType last_type() const { return tokens_.empty() ? TokenType::EndOfInput : tokens_.back().type; }

    void push(TokenType type, std::string value, std::size_t pos) {
        tokens_.push_back(Token{type, std::move(value), static_cast<std::uint32_t>(pos)});
    }

    // consumeWhile: a tag cannot end while the predicate still holds.
    template <typename Pred>
    std::string consume_while(Pred pred) {
        const std::size_t start = cursor_;
        while (true) {
            std::size_t next = cursor_;
            if (cursor_ >= src_.size() || !pred(src_, next)) break;
            cursor_ = next;
            if (cursor_ >= src_.size()) error(start, "unexpected end of template inside a tag");
        }
        return src_.substr(start, cursor_ - start);
    }

    static bool whitespace_pred(const std::string& s, std::size_t& i) {
        const char32_t cp = js::decode_utf8(s, i);
        return js::is_whitespace(cp);
    }
    static bool digit_pred(const std::string& s, std::size_t& i) { return is_digit(s[i++]); }
    static bool word_pred(const std::string& s, std::size_t& i) { return is_word(s[i++]); }

    void strip_trailing_whitespace() {
        if (!tokens_.empty() && tokens_.back().type == TokenType::Text) {
            std::string& v = tokens_.back().value;
            v.resize(js::trailing_whitespace_start(v));
            if (v.empty()) tokens_.pop_back();
        }
    }

    void skip_leading_whitespace() { cursor_ = skip_whitespace(src_, cursor_); }

    std::string consume_string(char quote, std::size_t start) {
        std::string out;
        while (true) {
            if (cursor_ >= src_.size()) error(start, "unterminated string literal");
            const char c = src_[cursor_];
            if (c == quote) break;
            ++cursor_;
            if (c != '\\') {
                out += c;
                continue;
            }
            if (cursor_ >= src_.size()) error(start, "unterminated string literal");
            const std::size_t escape_pos = cursor_ - 1;
            const char e = src_[cursor_++];
            if (e == 'x' || e == 'u') {
                char32_t unit = hex_escape(e == 'x' ? 2 : 4, escape_pos);
                if (e == 'u' && unit >= 0xD800 && unit <= 0xDBFF && at(src_, cursor_) == '\\' &&
                    at(src_, cursor_ + 1) == 'u') {
                    // a surrogate pair written as two escapes is one code point in JavaScript's string
                    const std::size_t save = cursor_;
                    cursor_ += 2;
                    const char32_t low = hex_escape(4, save);
                    if (low >= 0xDC00 && low <= 0xDFFF) {
                        unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                    } else {
                        cursor_ = save;
                    }
                }
                js::append_utf8(out, unit);  // a lone surrogate comes out as U+FFFD, as when JavaScript prints it
                continue;
            }
            switch (e) {
                case 'n': out += '\n'; break;
                case 't': out += '\t'; break;
                case 'r': out += '\r'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'v': out += '\v'; break;
                case '\'': out += '\''; break;
                case '"': out += '"'; break;
                case '\\': out += '\\'; break;
                default: error(escape_pos, fmt::format("unknown escape sequence '\\{}' in a string literal", e));
            }
        }
        return out;
    }

    char32_t hex_escape(int digits, std::size_t escape_pos) {
        char32_t v = 0;
        for (int k = 0; k < digits; ++k) {
            const char h = at(src_, cursor_ + static_cast<std::size_t>(k));
            if (!is_hex(h)) error(escape_pos, "invalid hexadecimal escape sequence in a string literal");
            v = v * 16 + static_cast<char32_t>(is_digit(h) ? h - '0' : (h | 0x20) - 'a' + 10);
        }
        cursor_ += static_cast<std::size_t>(digits);
        return v;
    }

    void step() {
        const TokenType last = last_type();

        // Text up to the next {%, {{ or {#
        if (last == TokenType::EndOfInput || last == TokenType::CloseStatement ||
            last == TokenType::CloseExpression || last == TokenType::Comment) {
            std::size_t end = cursor_;
            while (true) {
                end = src_.find('{', end);
                if (end == std::string::npos) {
                    end = src_.size();
                    break;
                }
                const char next = at(src_, end + 1);
                if (next == '%' || next == '{' || next == '#') break;
                ++end;
            }
            if (end > cursor_) {
                push(TokenType::Text, src_.substr(cursor_, end - cursor_), cursor_);
                cursor_ = end;
                return;
            }
        }

        if (src_[cursor_] == '{') {
            const char next = at(src_, cursor_ + 1);
            if (next == '#') {
                const std::size_t start = cursor_;
                cursor_ += 2;
                const bool strip_before = at(src_, cursor_) == '-';
                if (strip_before) ++cursor_;
                const std::size_t end = src_.find("#}", cursor_);
                if (end == std::string::npos) error(start, "unterminated comment: missing '#}'");
                std::string comment = src_.substr(cursor_, end - cursor_);
                const bool strip_after = !comment.empty() && comment.back() == '-';
                if (strip_after) comment.pop_back();
                if (strip_before) strip_trailing_whitespace();
                push(TokenType::Comment, std::move(comment), start);
                cursor_ = end + 2;
                if (strip_after) skip_leading_whitespace();
                return;
            }
            if (at(src_, cursor_ + 2) == '-') {
                if (next == '%') {
                    strip_trailing_whitespace();
                    push(TokenType::OpenStatement, "{%", cursor_);
                    cursor_ += 3;
                    return;
                }
                if (next == '{') {
                    strip_trailing_whitespace();
                    push(TokenType::OpenExpression, "{{", cursor_);
                    curly_depth_ = 0;
                    cursor_ += 3;
                    return;
                }
            }
        }

        consume_while(whitespace_pred);
        if (cursor_ >= src_.size()) return;
        const char c = src_[cursor_];

        if (c == '-' && at(src_, cursor_ + 2) == '}') {
            const char next = at(src_, cursor_ + 1);
            if (next == '%' || next == '}') {
                push(next == '%' ? TokenType::CloseStatement : TokenType::CloseExpression, next == '%' ? "%}" : "}}",
                     cursor_);
                cursor_ += 3;
                skip_leading_whitespace();
                return;
            }
        }

        if (c == '-' || c == '+') {
            if (last == TokenType::Text || last == TokenType::EndOfInput) {
                error(cursor_, fmt::format("unexpected character '{}'", c));
            }
            switch (last) {
                case TokenType::Identifier:
                case TokenType::NumericLiteral:
                case TokenType::StringLiteral:
                case TokenType::CloseParen:
                case TokenType::CloseSquareBracket:
                    break;  // a binary operator
                default: {
                    const std::size_t start = cursor_++;
                    std::string num = consume_while(digit_pred);
                    if (!num.empty() && at(src_, cursor_) == '.' && is_digit(at(src_, cursor_ + 1))) {
                        ++cursor_;
                        num += '.';
                        num += consume_while(digit_pred);
                    }
                    push(num.empty() ? TokenType::UnaryOperator : TokenType::NumericLiteral, std::string(1, c) + num,
                         start);
                    return;
                }
            }
        }

        for (const Rule& rule : kRules) {
            if (rule.seq[0] != c) continue;
            if (rule.seq == "}}" && curly_depth_ > 0) continue;  // inside a dict literal
            if (!starts_with_at(src_, cursor_, rule.seq)) continue;
            push(rule.type, std::string(rule.seq), cursor_);
            if (rule.type == TokenType::OpenExpression) {
                curly_depth_ = 0;
            } else if (rule.type == TokenType::OpenCurlyBracket) {
                ++curly_depth_;
            } else if (rule.type == TokenType::CloseCurlyBracket) {
                --curly_depth_;
            }
            cursor_ += rule.seq.size();
            return;
        }

        if (c == '\'' || c == '"') {
            const std::size_t start = cursor_++;
            std::string value = consume_string(c, start);
            push(TokenType::StringLiteral, std::move(value), start);
            ++cursor_;
            return;
        }

        if (is_digit(c)) {
            const std::size_t start = cursor_;
            std::string num = consume_while(digit_pred);
            if (last != TokenType::Dot && at(src_, cursor_) == '.' && is_digit(at(src_, cursor_ + 1))) {
                ++cursor_;
                num += '.';
                num += consume_while(digit_pred);
            }
            push(TokenType::NumericLiteral, std::move(num), start);
            return;
        }

        if (is_word(c)) {
            const std::size_t start = cursor_;
            push(TokenType::Identifier, consume_while(word_pred), start);
            return;
        }

        std::size_t i = cursor_;
        js::decode_utf8(src_, i);
        error(cursor_, fmt::format("unexpected character '{}'", src_.substr(cursor_, i - cursor_)));
    }

    const SourceText& source_;
    const std::string& src_;
    std::size_t cursor_ = 0;
    long curly_depth_ = 0;
    std::vector<Token> tokens_;
};

}  // namespace

SourceText::SourceText(const std::string& source) : original_(js::sanitize_utf8(source)) {
    Mapped m;
    m.text = original_;
    m.origin.resize(original_.size() + 1);
    for (std::size_t i = 0; i <= original_.size(); ++i) m.origin[i] = static_cast<std::uint32_t>(i);
    if (!m.text.empty() && m.text.back() == '\n') {
        m.text.pop_back();
        m.origin.pop_back();
    }
    m = strip_generation_tags(trim_blocks(lstrip_blocks(m)));
    text_ = std::move(m.text);
    origin_ = std::move(m.origin);
}

std::pair<int, int> SourceText::line_column(std::uint32_t pos) const {
    const std::uint32_t offset = origin_[pos < origin_.size() ? pos : origin_.size() - 1];
    int line = 1;
    std::size_t line_start = 0;
    for (std::size_t i = 0; i < offset && i < original_.size(); ++i) {
        if (original_[i] == '\n') {
            ++line;
            line_start = i + 1;
        }
    }
    int column = 1;
    for (std::size_t i = line_start; i < offset && i < original_.size();) {
        js::decode_utf8(original_, i);
        ++column;
    }
    return {line, column};
}

std::string SourceText::where(std::uint32_t pos) const {
    const auto [line, column] = line_column(pos);
    return fmt::format("line {}, column {}", line, column);
}

const char* token_type_name(TokenType t) {
    switch (t) {
        case TokenType::Text: return "text";
        case TokenType::NumericLiteral: return "number";
        case TokenType::StringLiteral: return "string";
        case TokenType::Identifier: return "name";
        case TokenType::Equals: return "'='";
        case TokenType::OpenParen: return "'('";
        case TokenType::CloseParen: return "')'";
        case TokenType::OpenStatement: return "'{%'";
        case TokenType::CloseStatement: return "'%}'";
        case TokenType::OpenExpression: return "'{{'";
        case TokenType::CloseExpression: return "'}}'";
        case TokenType::OpenSquareBracket: return "'['";
        case TokenType::CloseSquareBracket: return "']'";
        case TokenType::OpenCurlyBracket: return "'{'";
        case TokenType::CloseCurlyBracket: return "'}'";
        case TokenType::Comma: return "','";
        case TokenType::Dot: return "'.'";
        case TokenType::Colon: return "':'";
        case TokenType::Pipe: return "'|'";
        case TokenType::AdditiveBinaryOperator:
        case TokenType::MultiplicativeBinaryOperator:
        case TokenType::ExponentiationBinaryOperator:
        case TokenType::ComparisonBinaryOperator: return "operator";
        case TokenType::UnaryOperator: return "unary operator";
        case TokenType::Comment: return "comment";
        case TokenType::EndOfInput: return "end of template";
    }
    return "?";
}

std::vector<Token> tokenize(const SourceText& source) { return Lexer(source).run(); }

}  // namespace qforge::chat::jinja
