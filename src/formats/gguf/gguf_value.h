#pragma once
// GGUF metadata values. The variant's alternative index equals the GGUF value type id, so a value read from a
// file is written back with exactly the type it had.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace qforge {

enum class GgufType : std::uint32_t {
    U8 = 0, I8 = 1, U16 = 2, I16 = 3, U32 = 4, I32 = 5, F32 = 6, BOOL = 7, STRING = 8, ARRAY = 9,
    U64 = 10, I64 = 11, F64 = 12,
};
constexpr std::uint32_t kGgufTypeCount = 13;

std::string_view gguf_type_name(GgufType t);
// Size in bytes of a scalar type; 0 for STRING and ARRAY.
std::size_t gguf_scalar_size(GgufType t);

// An array of one element type (never ARRAY: llama.cpp's reader rejects nested arrays).
// Numeric and bool elements are kept as their little-endian bytes; strings separately.
struct GgufArray {
    GgufType elem = GgufType::U8;
    std::vector<std::uint8_t> raw;     // numeric elements
    std::vector<std::string> strings;  // STRING elements

    std::uint64_t size() const;
    template <typename T>
    T at(std::uint64_t i) const;  // numeric element i (T must match the element size)

    static GgufArray of_strings(std::vector<std::string> values);
    static GgufArray of_f32(std::span<const float> values);
    static GgufArray of_i32(std::span<const std::int32_t> values);
    bool operator==(const GgufArray&) const = default;
};

using GgufVariant = std::variant<std::uint8_t, std::int8_t, std::uint16_t, std::int16_t, std::uint32_t,
                                 std::int32_t, float, bool, std::string, GgufArray, std::uint64_t, std::int64_t,
                                 double>;

struct GgufValue {
    GgufVariant v;

    // A value of exactly type T (no implicit conversions: make<std::uint32_t>(7), make<std::string>("x")).
    template <typename T>
    static GgufValue make(T value) {
        return GgufValue{GgufVariant(std::in_place_type<T>, std::move(value))};
    }

    GgufType type() const { return static_cast<GgufType>(v.index()); }
    bool is_integer() const;
    // Any integer type converted to int64 (u64 above INT64_MAX throws).
    std::int64_t as_int(std::string_view key) const;
    double as_float(std::string_view key) const;  // F32 or F64
    const std::string& as_string(std::string_view key) const;
    bool as_bool(std::string_view key) const;
    const GgufArray& as_array(std::string_view key) const;
    // Short human-readable rendering (arrays abbreviated).
    std::string to_display(std::size_t max_items = 8) const;
    bool operator==(const GgufValue&) const = default;
};

}  // namespace qforge
