#pragma once
// ggml's non-linear 4-bit types: IQ4_NL (32 weights, one fp16 scale) and IQ4_XS (256 weights, 6-bit scales
// per 32). Values come from a fixed 16-entry codebook; the quantizer is llama.cpp's (a scale search over 15
// candidates, as llama-quantize runs it), so files come out byte-identical.
#include <cstdint>

namespace qforge {

constexpr int kQK4_NL = 32;
constexpr int kQK_K = 256;

struct BlockIQ4_NL {
    std::uint16_t d;
    std::uint8_t qs[kQK4_NL / 2];
};
struct BlockIQ4_XS {
    std::uint16_t d;
    std::uint16_t scales_h;
    std::uint8_t scales_l[kQK_K / 64];
    std::uint8_t qs[kQK_K / 2];
};
// The 16 levels both types index with 4 bits.
inline constexpr std::int8_t kIQ4Values[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

static_assert(sizeof(BlockIQ4_NL) == 18 && sizeof(BlockIQ4_XS) == 136, "block sizes as in ggml-common.h");

// Optional importance weights per element (imatrix); nullptr: weights are x^2, as llama.cpp uses without one.
void quantize_row_iq4_nl(const float* x, BlockIQ4_NL* y, std::int64_t n, const float* importance = nullptr);
void quantize_row_iq4_xs(const float* x, BlockIQ4_XS* y, std::int64_t n, const float* importance = nullptr);
// The same with the scale trials on the scalar loop alone (where the CPU has AVX-512 the functions above run
// them in lanes; tests hold the two to the same bytes).
void quantize_row_iq4_nl_scalar(const float* x, BlockIQ4_NL* y, std::int64_t n, const float* importance = nullptr);
void quantize_row_iq4_xs_scalar(const float* x, BlockIQ4_XS* y, std::int64_t n, const float* importance = nullptr);
void dequantize_row_iq4_nl(const BlockIQ4_NL* x, float* y, std::int64_t n);
void dequantize_row_iq4_xs(const BlockIQ4_XS* x, float* y, std::int64_t n);

}  // namespace qforge
