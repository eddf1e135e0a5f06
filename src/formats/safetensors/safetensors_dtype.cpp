#include "formats/safetensors/safetensors_dtype.h"

#include <array>
#include <utility>

#include "core/error.h"

namespace qforge {
namespace {

constexpr std::array<std::pair<std::string_view, TensorType>, 15> kDtypes = {{
    {"F64", TensorType::F64}, {"F32", TensorType::F32}, {"F16", TensorType::F16}, {"BF16", TensorType::BF16},
    {"I64", TensorType::I64}, {"I32", TensorType::I32}, {"I16", TensorType::I16}, {"I8", TensorType::I8},
    {"U8", TensorType::U8}, {"U16", TensorType::U16}, {"U32", TensorType::U32}, {"U64", TensorType::U64},
    {"BOOL", TensorType::BOOL}, {"F8_E4M3", TensorType::F8_E4M3}, {"F8_E5M2", TensorType::F8_E5M2},
}};

}  // namespace

std::optional<TensorType> safetensors_dtype_to_type(std::string_view dtype) {
    for (const auto& [name, type] : kDtypes)
        if (name == dtype) return type;
    return std::nullopt;
}

std::string type_to_safetensors_dtype(TensorType type) {
    for (const auto& [name, t] : kDtypes)
        if (t == type) return std::string(name);
    fail("tensor type {} cannot be stored in safetensors", type_name(type));
}

}  // namespace qforge
