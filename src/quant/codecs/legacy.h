#pragma once
// ggml's legacy block types (Q4_0 ... Q8_1). So far Q8_0: the engine's weight type and the activation format
// its dot product takes.
#include <cstdint>

namespace qforge {

constexpr int kQK8_0 = 32;

struct BlockQ8_0 {
    std::uint16_t d;  // fp16 scale
    std::int8_t qs[kQK8_0];
};
static_assert(sizeof(BlockQ8_0) == 34, "Q8_0 blocks are 34 bytes");

// n must be a multiple of 32. Rounds like llama.cpp's reference (round half away from zero, d = amax/127).
void quantize_row_q8_0(const float* x, BlockQ8_0* y, std::int64_t n);
// As llama.cpp quantizes activations on x86 (scale 127/amax, round half to even): used for dot products.
void quantize_row_q8_0_activations(const float* x, BlockQ8_0* y, std::int64_t n);
void dequantize_row_q8_0(const BlockQ8_0* x, float* y, std::int64_t n);

}  // namespace qforge
