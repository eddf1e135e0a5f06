#include "formats/gguf/gguf_value.h"

#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "core/error.h"

namespace qforge {

std::string_view gguf_type_name(GgufType t) {
    static constexpr std::string_view names[] = {"u8", "i8", "u16", "i16", "u32", "i32", "f32",
                                                 "bool", "string", "array", "u64", "i64", "f64"};
    auto i = static_cast<std::uint32_t>(t);
    return i < kGgufTypeCount ? names[i] : "unknown";
}

std::size_t gguf_scalar_size(GgufType t) {
    switch (t) {
        case GgufType::U8: case GgufType::I8: case GgufType::BOOL: return 1;
        case GgufType::U16: case GgufType::I16: return 2;
        case GgufType::U32: case GgufType::I32: case GgufType::F32: return 4;
        case GgufType::U64: case GgufType::I64: case GgufType::F64: return 8;
        default: return 0;
    }
}

std::uint64_t GgufArray::size() const {
    if (elem == GgufType::STRING) return strings.size();
    return raw.size() / gguf_scalar_size(elem);
}

template <typename T>
T GgufArray::at(std::uint64_t i) const {
    if (sizeof(T) != gguf_scalar_size(elem)) fail("internal error: array element size mismatch");
    T v;
    std::memcpy(&v, raw.data() + i * sizeof(T), sizeof(T));
    return v;
}
template float GgufArray::at<float>(std::uint64_t) const;
template std::int32_t GgufArray::at<std::int32_t>(std::uint64_t) const;
template std::uint32_t GgufArray::at<std::uint32_t>(std::uint64_t) const;
template std::uint8_t GgufArray::at<std::uint8_t>(std::uint64_t) const;
template std::int64_t GgufArray::at<std::int64_t>(std::uint64_t) const;
template std::uint64_t GgufArray::at<std::uint64_t>(std::uint64_t) const;
template double GgufArray::at<double>(std::uint64_t) const;

GgufArray GgufArray::of_strings(std::vector<std::string> values) {
    GgufArray a;
    a.elem = GgufType::STRING;
    a.strings = std::move(values);
    return a;
}

GgufArray GgufArray::of_f32(std::span<const float> values) {
    GgufArray a;
    a.elem = GgufType::F32;
    a.raw.resize(values.size() * sizeof(float));
    if (!values.empty()) std::memcpy(a.raw.data(), values.data(), a.raw.size());
    return a;
}

GgufArray GgufArray::of_i32(std::span<const std::int32_t> values) {
    GgufArray a;
    a.elem = GgufType::I32;
    a.raw.resize(values.size() * sizeof(std::int32_t));
    if (!values.empty()) std::memcpy(a.raw.data(), values.data(), a.raw.size());
    return a;
}

bool GgufValue::is_integer() const {
    switch (type()) {
        case GgufType::U8: case GgufType::I8: case GgufType::U16: case GgufType::I16: case GgufType::U32:
        case GgufType::I32: case GgufType::U64: case GgufType::I64:
            return true;
        default:
            return false;
    }
}

std::int64_t GgufValue::as_int(std::string_view key) const {
    return std::visit(
        [&](const auto& x) -> std::int64_t {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::uint64_t>) {
                if (x > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
                    fail("metadata key '{}': value {} is out of range", key, x);
                return static_cast<std::int64_t>(x);
            } else if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
                return static_cast<std::int64_t>(x);
            } else {
                fail("metadata key '{}': expected an integer, found {}", key, gguf_type_name(type()));
            }
        },
        v);
}

double GgufValue::as_float(std::string_view key) const {
    if (auto* f = std::get_if<float>(&v)) return *f;
    if (auto* d = std::get_if<double>(&v)) return *d;
    fail("metadata key '{}': expected a float, found {}", key, gguf_type_name(type()));
}

const std::string& GgufValue::as_string(std::string_view key) const {
    if (auto* s = std::get_if<std::string>(&v)) return *s;
    fail("metadata key '{}': expected a string, found {}", key, gguf_type_name(type()));
}

bool GgufValue::as_bool(std::string_view key) const {
    if (auto* b = std::get_if<bool>(&v)) return *b;
    fail("metadata key '{}': expected a bool, found {}", key, gguf_type_name(type()));
}

const GgufArray& GgufValue::as_array(std::string_view key) const {
    if (auto* a = std::get_if<GgufArray>(&v)) return *a;
    fail("metadata key '{}': expected an array, found {}", key, gguf_type_name(type()));
}

namespace {

std::string array_element_display(const GgufArray& a, std::uint64_t i) {
    switch (a.elem) {
        case GgufType::STRING: {
            std::string out = "\"";
            for (char c : a.strings[i]) {
                if (c == '\n') out += "\\n";
                else if (c == '"') out += "\\\"";
                else out += c;
            }
            return out + "\"";
        }
        case GgufType::U8: return std::to_string(a.raw[i]);
        case GgufType::I8: return std::to_string(static_cast<std::int8_t>(a.raw[i]));
        case GgufType::BOOL: return a.raw[i] ? "true" : "false";
        case GgufType::U16: { std::uint16_t x; std::memcpy(&x, &a.raw[i * 2], 2); return std::to_string(x); }
        case GgufType::I16: { std::int16_t x; std::memcpy(&x, &a.raw[i * 2], 2); return std::to_string(x); }
        case GgufType::U32: return std::to_string(a.at<std::uint32_t>(i));
        case GgufType::I32: return std::to_string(a.at<std::int32_t>(i));
        case GgufType::F32: return fmt::format("{}", a.at<float>(i));
        case GgufType::U64: return std::to_string(a.at<std::uint64_t>(i));
        case GgufType::I64: return std::to_string(a.at<std::int64_t>(i));
        case GgufType::F64: return fmt::format("{}", a.at<double>(i));
        default: return "?";
    }
}

}  // namespace

std::string GgufValue::to_display(std::size_t max_items) const {
    return std::visit(
        [&](const auto& x) -> std::string {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::string>) {
                std::string s = x.size() > 200 ? x.substr(0, 200) + "..." : x;
                return "\"" + s + "\"";
            } else if constexpr (std::is_same_v<T, GgufArray>) {
                std::string out = fmt::format("[{} x {}] [", x.size(), gguf_type_name(x.elem));
                const std::uint64_t n = x.size() < max_items ? x.size() : max_items;
                for (std::uint64_t i = 0; i < n; ++i) {
                    if (i) out += ", ";
                    out += array_element_display(x, i);
                }
                if (n < x.size()) out += ", ...";
                return out + "]";
            } else if constexpr (std::is_same_v<T, bool>) {
                return x ? "true" : "false";
            } else if constexpr (std::is_same_v<T, std::uint8_t> || std::is_same_v<T, std::int8_t>) {
                return std::to_string(static_cast<int>(x));
            } else {
                return fmt::format("{}", x);
            }
        },
        v);
}

}  // namespace qforge
