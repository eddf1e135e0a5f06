#pragma once
// String operations with the semantics of JavaScript's String methods, on UTF-8 text. The reference renderer
// (@huggingface/jinja) runs on JavaScript strings: lengths and indices count UTF-16 code units, trimming uses
// JavaScript's whitespace set, slicing and `join` go by code points. Matching it byte for byte needs the same
// rules here.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qforge::chat::js {

// Decodes the code point at s[i] and advances i; a malformed sequence decodes as U+FFFD and advances one byte.
char32_t decode_utf8(std::string_view s, std::size_t& i);
void append_utf8(std::string& out, char32_t cp);
// Replaces malformed UTF-8 with U+FFFD, as a JavaScript host does when it reads the bytes as text.
std::string sanitize_utf8(std::string_view s);

// JavaScript's WhiteSpace and LineTerminator code points (what /\s/ and String.prototype.trim() match).
bool is_whitespace(char32_t cp);
// Byte length of the whitespace at the start of s / byte offset where the trailing whitespace of s begins.
std::size_t leading_whitespace(std::string_view s);
std::size_t trailing_whitespace_start(std::string_view s);
std::string_view trim(std::string_view s);
std::string_view trim_start(std::string_view s);
std::string_view trim_end(std::string_view s);

std::size_t utf16_length(std::string_view s);
// String.prototype.at(index): the UTF-16 code unit there (a lone surrogate half comes back as U+FFFD), or
// nullopt when the index is out of range; negative indices count from the end.
std::optional<std::string> utf16_unit_at(std::string_view s, double index);
// Array.from(s): one string per code point.
std::vector<std::string> code_points(std::string_view s);

// a < b as JavaScript compares strings: by UTF-16 code units. Returns <0, 0 or >0.
int utf16_compare(std::string_view a, std::string_view b);

std::string to_upper(std::string_view s);
std::string to_lower(std::string_view s);
// s.replace(/\b\w/g, upper): the first ASCII word character after a word boundary goes to upper case; the rest
// is left alone (unlike Python's str.title()).
std::string title_case(std::string_view s);
// s.charAt(0).toUpperCase() + s.slice(1).
std::string capitalize(std::string_view s);

// str.replace with Python's count semantics as @huggingface/jinja implements it (an empty `from` matches at
// every code point boundary). Fails (returns nullopt) when the result would exceed max_bytes.
std::optional<std::string> replace(std::string_view s, std::string_view from, std::string_view to, double count,
                                   std::size_t max_bytes);

}  // namespace qforge::chat::js
