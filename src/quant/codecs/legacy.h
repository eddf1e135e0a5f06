#pragma once
// ggml's legacy block types: Q4_0, Q4_1, Q5_0, Q5_1 (32 weights per block, 4 or 5 bits, with or without a
// minimum) and Q8_0 (also the activation format of their dot products). Quantizers are llama.cpp's reference
// ones, so files come out byte-identical to llama-quantize's.
#include <cstdint>

namespace qforge {

constexpr int kQK8_0 = 32;
constexpr int kQK4 = 32;  // block size of Q4_0, Q4_1, Q5_0, Q5_1

struct BlockQ8_0 {
    std::uint16_t d;  // fp16 scale
    std::int8_t qs[kQK8_0];
};
struct BlockQ8_1 {
    std::uint16_t d, s;  // fp16 scale, and d times the sum of qs
    std::int8_t qs[kQK8_0];
};
struct BlockQ4_0 {
    std::uint16_t d;
    std::uint8_t qs[kQK4 / 2];  // element j in the low nibble of byte j, element j+16 in its high nibble
};
struct BlockQ4_1 {
    std::uint16_t d, m;
    std::uint8_t qs[kQK4 / 2];
};
struct BlockQ5_0 {
    std::uint16_t d;
    std::uint8_t qh[4];  // fifth bits, little-endian uint32: bit j for element j
    std::uint8_t qs[kQK4 / 2];
};
struct BlockQ5_1 {
    std::uint16_t d, m;
    std::uint8_t qh[4];
    std::uint8_t qs[kQK4 / 2];
};
static_assert(sizeof(BlockQ8_0) == 34 && sizeof(BlockQ8_1) == 36 && sizeof(BlockQ4_0) == 18 && sizeof(BlockQ4_1) == 20 &&
                  sizeof(BlockQ5_0) == 22 && sizeof(BlockQ5_1) == 24,
              "block sizes as in ggml-common.h");

// n must be a multiple of 32.
void quantize_row_q8_0(const float* x, BlockQ8_0* y, std::int64_t n);
// As llama.cpp quantizes activations on x86 (scale 127/amax, round half to even): used for dot products.
void quantize_row_q8_0_activations(const float* x, BlockQ8_0* y, std::int64_t n);
// Q8_1 activations for Q4_1/Q5_1 dot products, rounded the same way.
void quantize_row_q8_1_activations(const float* x, BlockQ8_1* y, std::int64_t n);
void quantize_row_q4_0(const float* x, BlockQ4_0* y, std::int64_t n);
void quantize_row_q4_1(const float* x, BlockQ4_1* y, std::int64_t n);
void quantize_row_q5_0(const float* x, BlockQ5_0* y, std::int64_t n);
void quantize_row_q5_1(const float* x, BlockQ5_1* y, std::int64_t n);

void dequantize_row_q8_0(const BlockQ8_0* x, float* y, std::int64_t n);
void dequantize_row_q4_0(const BlockQ4_0* x, float* y, std::int64_t n);
void dequantize_row_q4_1(const BlockQ4_1* x, float* y, std::int64_t n);
void dequantize_row_q5_0(const BlockQ5_0* x, float* y, std::int64_t n);
void dequantize_row_q5_1(const BlockQ5_1* x, float* y, std::int64_t n);

}  // namespace qforge
