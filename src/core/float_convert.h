#pragma once
// Scalar conversions between float formats, bit-exact with numpy (fp16: IEEE round to nearest even) and with
// gguf-py (bf16: round to nearest even, NaN kept quiet).
#include <cstddef>
#include <cstdint>

#include "core/tensor_type.h"

namespace qforge {

float fp16_to_fp32(std::uint16_t h);
std::uint16_t fp32_to_fp16(float f);
float bf16_to_fp32(std::uint16_t b);
std::uint16_t fp32_to_bf16(float f);
float fp8_e4m3_to_fp32(std::uint8_t v);
float fp8_e5m2_to_fp32(std::uint8_t v);

// True for element types that convert_to_f32 / convert_from_f32 handle (F32, F16, BF16, F64, F8_*).
bool is_float_type(TensorType type);
// Converts n elements of a float type to fp32.
void convert_to_f32(TensorType type, const void* src, float* dst, std::size_t n);
// Converts n fp32 values to F32, F16 or BF16.
void convert_from_f32(TensorType type, const float* src, void* dst, std::size_t n);

}  // namespace qforge
