#pragma once
// Scalar conversions between float formats, bit-exact with numpy (fp16: IEEE round to nearest even) and with
// gguf-py (bf16: round to nearest even, NaN kept quiet).
#include <bit>
#include <cstddef>
#include <cstdint>

#include "core/tensor_type.h"

namespace qforge {

// IEEE half to single, computed bit by bit: the reference the table below is made from.
constexpr float fp16_to_fp32_computed(std::uint16_t h) {
    const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
    const std::uint32_t exp = (h >> 10) & 0x1Fu;
    std::uint32_t mant = h & 0x3FFu;
    std::uint32_t bits = 0;
    if (exp == 0) {
        if (mant == 0) {
            bits = sign;
        } else {  // subnormal: normalise
            int e = -1;
            do {
                ++e;
                mant <<= 1;
            } while ((mant & 0x400u) == 0);
            bits = sign | static_cast<std::uint32_t>(127 - 15 - e) << 23 | (mant & 0x3FFu) << 13;
        }
    } else if (exp == 0x1F) {
        bits = sign | 0x7F800000u | mant << 13;
    } else {
        bits = sign | (exp + 112) << 23 | mant << 13;
    }
    return std::bit_cast<float>(bits);
}

namespace detail {
// Every half's value, made at compile time (as ggml's table): scalar loops over F16 data (the KV cache in the
// reference attention, F16 weights without a SIMD path) convert by one load.
struct Fp16Table {
    float v[65536];
};
extern const Fp16Table kFp16ToFp32;
}  // namespace detail

inline float fp16_to_fp32(std::uint16_t h) { return detail::kFp16ToFp32.v[h]; }
std::uint16_t fp32_to_fp16(float f);
float bf16_to_fp32(std::uint16_t b);
std::uint16_t fp32_to_bf16(float f);
float fp8_e4m3_to_fp32(std::uint8_t v);
// The nearest E4M3FN value, ties to even; magnitudes past 448 (the largest) saturate to it, as llm-compressor's clamp
// before torch's cast does; NaN stays NaN (0x7f).
std::uint8_t fp32_to_fp8_e4m3(float f);
float fp8_e5m2_to_fp32(std::uint8_t v);

// True for element types that convert_to_f32 / convert_from_f32 handle (F32, F16, BF16, F64, F8_*).
bool is_float_type(TensorType type);
// Converts n elements of a float type to fp32.
void convert_to_f32(TensorType type, const void* src, float* dst, std::size_t n);
// Converts n fp32 values to F32, F16 or BF16.
void convert_from_f32(TensorType type, const float* src, void* dst, std::size_t n);

}  // namespace qforge
