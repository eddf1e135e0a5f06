#pragma once
// safetensors dtype strings ("F32", "BF16", "F8_E4M3", ...) and qforge tensor types.
#include <optional>
#include <string>
#include <string_view>

#include "core/tensor_type.h"

namespace qforge {

std::optional<TensorType> safetensors_dtype_to_type(std::string_view dtype);
// Throws for types safetensors cannot store (block-quantized ggml types).
std::string type_to_safetensors_dtype(TensorType type);

}  // namespace qforge
