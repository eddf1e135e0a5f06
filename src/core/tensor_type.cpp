#include "core/tensor_type.h"

#include <array>
#include <cctype>
#include <string>

#include "core/error.h"

namespace qforge {
namespace {

struct Row {
    std::uint32_t id;
    TensorTypeTraits traits;
};

// Block sizes and bytes per block follow ggml's type traits (ggml-common.h).
constexpr std::array kTypes = {
    Row{0, {"f32", 1, 4, false, true}},
    Row{1, {"f16", 1, 2, false, true}},
    Row{2, {"q4_0", 32, 18, true, true}},
    Row{3, {"q4_1", 32, 20, true, true}},
    Row{6, {"q5_0", 32, 22, true, true}},
    Row{7, {"q5_1", 32, 24, true, true}},
    Row{8, {"q8_0", 32, 34, true, true}},
    Row{9, {"q8_1", 32, 36, true, true}},
    Row{10, {"q2_K", 256, 84, true, true}},
    Row{11, {"q3_K", 256, 110, true, true}},
    Row{12, {"q4_K", 256, 144, true, true}},
    Row{13, {"q5_K", 256, 176, true, true}},
    Row{14, {"q6_K", 256, 210, true, true}},
    Row{15, {"q8_K", 256, 292, true, true}},
    Row{16, {"iq2_xxs", 256, 66, true, true}},
    Row{17, {"iq2_xs", 256, 74, true, true}},
    Row{18, {"iq3_xxs", 256, 98, true, true}},
    Row{19, {"iq1_s", 256, 50, true, true}},
    Row{20, {"iq4_nl", 32, 18, true, true}},
    Row{21, {"iq3_s", 256, 110, true, true}},
    Row{22, {"iq2_s", 256, 82, true, true}},
    Row{23, {"iq4_xs", 256, 136, true, true}},
    Row{24, {"i8", 1, 1, false, true}},
    Row{25, {"i16", 1, 2, false, true}},
    Row{26, {"i32", 1, 4, false, true}},
    Row{27, {"i64", 1, 8, false, true}},
    Row{28, {"f64", 1, 8, false, true}},
    Row{29, {"iq1_m", 256, 56, true, true}},
    Row{30, {"bf16", 1, 2, false, true}},
    Row{34, {"tq1_0", 256, 54, true, true}},
    Row{35, {"tq2_0", 256, 66, true, true}},
    Row{39, {"mxfp4", 32, 17, true, true}},
    Row{40, {"nvfp4", 64, 36, true, true}},
    Row{41, {"q1_0", 128, 18, true, true}},
    Row{42, {"q2_0", 64, 18, true, true}},
    Row{1000, {"U8", 1, 1, false, false}},
    Row{1001, {"U16", 1, 2, false, false}},
    Row{1002, {"U32", 1, 4, false, false}},
    Row{1003, {"U64", 1, 8, false, false}},
    Row{1004, {"BOOL", 1, 1, false, false}},
    Row{1005, {"F8_E4M3", 1, 1, false, false}},
    Row{1006, {"F8_E5M2", 1, 1, false, false}},
};

bool iequal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    }
    return true;
}

}  // namespace

std::optional<TensorTypeTraits> type_traits(std::uint32_t id) {
    for (const auto& row : kTypes)
        if (row.id == id) return row.traits;
    return std::nullopt;
}

const TensorTypeTraits& traits(TensorType type) {
    for (const auto& row : kTypes)
        if (row.id == static_cast<std::uint32_t>(type)) return row.traits;
    fail("internal error: unknown tensor type id {}", static_cast<std::uint32_t>(type));
}

std::string_view type_name(TensorType type) { return traits(type).name; }

std::optional<TensorType> type_from_name(std::string_view name) {
    for (const auto& row : kTypes)
        if (iequal(row.traits.name, name)) return static_cast<TensorType>(row.id);
    return std::nullopt;
}

std::optional<std::uint64_t> bytes_for(TensorType type, std::uint64_t n_elements) {
    const auto& t = traits(type);
    if (n_elements % t.block_size != 0) return std::nullopt;
    std::uint64_t blocks = n_elements / t.block_size;
    std::uint64_t bytes = 0;
    if (__builtin_mul_overflow(blocks, static_cast<std::uint64_t>(t.type_size), &bytes)) return std::nullopt;
    return bytes;
}

}  // namespace qforge
