#include "chat/jinja_json.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "chat/js_number.h"
#include "chat/js_string.h"

namespace qforge::chat::jinja {

namespace {

void append_quoted(std::string& out, std::string_view s, bool ensure_ascii) {
    static const char* hex = "0123456789abcdef";
    out += '"';
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t start = i;
        const char32_t cp = js::decode_utf8(s, i);
        switch (cp) {
            case '"': out += "\\\""; continue;
            case '\\': out += "\\\\"; continue;
            case '\b': out += "\\b"; continue;
            case '\f': out += "\\f"; continue;
            case '\n': out += "\\n"; continue;
            case '\r': out += "\\r"; continue;
            case '\t': out += "\\t"; continue;
            default: break;
        }
        auto escape_unit = [&](unsigned unit) {
            out += "\\u";
            for (int shift = 12; shift >= 0; shift -= 4) out += hex[(unit >> shift) & 0xF];
        };
        if (cp < 0x20) {
            escape_unit(cp);
        } else if (ensure_ascii && cp >= 0x7F) {
            if (cp >= 0x10000) {
                escape_unit(0xD800 + ((cp - 0x10000) >> 10));
                escape_unit(0xDC00 + ((cp - 0x10000) & 0x3FF));
            } else {
                escape_unit(cp);
            }
        } else {
            out.append(s.substr(start, i - start));
        }
    }
    out += '"';
}

// An approximation of String.prototype.localeCompare for sort_keys: case-insensitive first, lower case first
// on ties (ICU's root collation also weighs punctuation differently; no template sorts such keys).
bool locale_less(const std::string& a, const std::string& b) {
    const std::string la = js::to_lower(a), lb = js::to_lower(b);
    if (la != lb) return la < lb;
    return a > b;
}

class JsonWriter {
public:
    explicit JsonWriter(const JsonOptions& options) : options_(options) {
        indenting_ = options.indent && *options.indent != 0 && !std::isnan(*options.indent);
        if (indenting_) {
            if (*options.indent < 0) eval_fail("tojson: indent must not be negative");
            if (*options.indent > static_cast<double>(options.max_bytes)) eval_fail("tojson: indent {} is too large", *options.indent);
            indent_unit_.assign(static_cast<std::size_t>(*options.indent), ' ');
        }
        if (options.separators) {
            item_sep_ = options.separators->first;
            key_sep_ = options.separators->second;
        } else {
            item_sep_ = indenting_ ? "," : ", ";
            key_sep_ = ": ";
        }
    }

    void write(const Value& v, int depth) {
        if (depth > kMaxValueDepth) eval_fail("tojson: value nested more than {} levels deep", kMaxValueDepth);
        switch (v.type()) {
            case Type::None: out_ += "null"; break;
            case Type::Undefined: out_ += options_.undefined_as_null ? "null" : "undefined"; break;
            case Type::Bool: out_ += v.as_bool() ? "true" : "false"; break;
            case Type::Int:
            case Type::Float:
                out_ += std::isfinite(v.as_number()) ? js::number_to_string(v.as_number()) : "null";
                break;
            case Type::String: append_quoted(out_, v.as_string(), options_.ensure_ascii); break;
            case Type::List: write_list(v.items(), depth); break;
            case Type::Dict:
            case Type::Namespace: write_dict(v.entries().entries(), depth); break;
            default: eval_fail("cannot convert a {} to JSON", type_name(v));
        }
        check_size();
    }

    std::string take() { return std::move(out_); }

private:
    void padding(int depth) {
        out_ += '\n';
        for (int i = 0; i < depth; ++i) {
            out_ += indent_unit_;
            check_size();
        }
    }

    void write_list(const std::vector<Value>& items, int depth) {
        out_ += '[';
        for (std::size_t i = 0; i < items.size(); ++i) {
            if (i) out_ += item_sep_;
            if (indenting_) padding(depth + 1);
            write(items[i], depth + 1);
        }
        if (indenting_ && !items.empty()) padding(depth);
        out_ += ']';
    }

    void write_dict(const std::vector<std::pair<std::string, Value>>& entries, int depth) {
        std::vector<const std::pair<std::string, Value>*> order;
        order.reserve(entries.size());
        for (const auto& e : entries) order.push_back(&e);
        if (options_.sort_keys) {
            std::stable_sort(order.begin(), order.end(), [](auto* a, auto* b) { return locale_less(a->first, b->first); });
        }
        out_ += '{';
        for (std::size_t i = 0; i < order.size(); ++i) {
            if (i) out_ += item_sep_;
            if (indenting_) padding(depth + 1);
            append_quoted(out_, order[i]->first, options_.ensure_ascii);
            out_ += key_sep_;
            write(order[i]->second, depth + 1);
        }
        if (indenting_ && !order.empty()) padding(depth);
        out_ += '}';
    }

    void check_size() const {
        if (out_.size() > options_.max_bytes) eval_fail("tojson: output exceeds {} bytes", options_.max_bytes);
    }

    const JsonOptions& options_;
    bool indenting_ = false;
    std::string indent_unit_, item_sep_, key_sep_, out_;
};

// Canonical array-index keys ("0", "17"; below 2^32 - 1), which JavaScript objects enumerate first.
std::optional<double> array_index(const std::string& key) {
    if (key.empty() || key.size() > 10) return std::nullopt;
    if (key.size() > 1 && key[0] == '0') return std::nullopt;
    double v = 0;
    for (char c : key) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + (c - '0');
    }
    if (v > 4294967294.0) return std::nullopt;
    return v;
}

template <typename Json>
Value convert(const Json& j, int depth) {
    if (depth > kMaxValueDepth) qforge::fail("chat template context: JSON nested more than {} levels deep", kMaxValueDepth);
    switch (j.type()) {
        case nlohmann::json::value_t::null: return Value::none();
        case nlohmann::json::value_t::boolean: return Value::boolean(j.template get<bool>());
        case nlohmann::json::value_t::number_integer:
            return Value::number(static_cast<double>(j.template get<std::int64_t>()));
        case nlohmann::json::value_t::number_unsigned:
            return Value::number(static_cast<double>(j.template get<std::uint64_t>()));
        case nlohmann::json::value_t::number_float: return Value::number(j.template get<double>());
        case nlohmann::json::value_t::string: return Value::string(js::sanitize_utf8(j.template get_ref<const std::string&>()));
        case nlohmann::json::value_t::array: {
            std::vector<Value> items;
            items.reserve(j.size());
            for (const auto& e : j) items.push_back(convert(e, depth + 1));
            return Value::list(std::move(items));
        }
        case nlohmann::json::value_t::object: {
            std::vector<std::pair<double, const std::string*>> indexed;
            for (auto it = j.begin(); it != j.end(); ++it)
                if (auto idx = array_index(it.key())) indexed.emplace_back(*idx, &it.key());
            std::stable_sort(indexed.begin(), indexed.end(), [](auto& a, auto& b) { return a.first < b.first; });
            auto dict = std::make_shared<DictData>();
            for (const auto& [idx, key] : indexed) dict->set(*key, convert(j.at(*key), depth + 1));
            for (auto it = j.begin(); it != j.end(); ++it)
                if (!array_index(it.key())) dict->set(js::sanitize_utf8(it.key()), convert(it.value(), depth + 1));
            return Value::dict(std::move(dict));
        }
        case nlohmann::json::value_t::binary: qforge::fail("chat template context: binary JSON values are not supported");
        case nlohmann::json::value_t::discarded: return Value();
    }
    return Value();
}

}  // namespace

std::string to_json(const Value& value, const JsonOptions& options) {
    JsonWriter writer(options);
    writer.write(value, 0);
    return writer.take();
}

Value from_json(const nlohmann::json& j) { return convert(j, 0); }
Value from_json(const nlohmann::ordered_json& j) { return convert(j, 0); }

}  // namespace qforge::chat::jinja
