#pragma once
// Dequantizers for ggml's codebook ("i-quant") types that qforge reads but does not write: IQ2_XXS, IQ2_XS,
// IQ2_S, IQ3_XXS, IQ3_S, IQ1_S, IQ1_M. Groups of 8 (or 4) weights index a grid of magnitudes (iq_grids),
// with signs (7 stored bits, the eighth making the count of minus signs even) and 4-bit sub-block scales.
#include <cstdint>

namespace qforge {

struct BlockIQ2_XXS {
    std::uint16_t d;
    std::uint16_t qs[32];
};
struct BlockIQ2_XS {
    std::uint16_t d;
    std::uint16_t qs[32];
    std::uint8_t scales[8];
};
struct BlockIQ2_S {
    std::uint16_t d;
    std::uint8_t qs[64];  // 32 grid indices (low 8 bits), then 32 sign bytes
    std::uint8_t qh[8];
    std::uint8_t scales[8];
};
struct BlockIQ3_XXS {
    std::uint16_t d;
    std::uint8_t qs[96];  // 64 grid indices, then 8 x 32 bits of signs and scale
};
struct BlockIQ3_S {
    std::uint16_t d;
    std::uint8_t qs[64];
    std::uint8_t qh[8];
    std::uint8_t signs[32];
    std::uint8_t scales[4];
};
struct BlockIQ1_S {
    std::uint16_t d;
    std::uint8_t qs[32];
    std::uint16_t qh[8];
};
struct BlockIQ1_M {
    std::uint8_t qs[32];
    std::uint8_t qh[16];
    std::uint8_t scales[8];  // 3-bit sub-block scales; the fp16 super-block scale is spread over their top bits
};
static_assert(sizeof(BlockIQ2_XXS) == 66 && sizeof(BlockIQ2_XS) == 74 && sizeof(BlockIQ2_S) == 82 &&
                  sizeof(BlockIQ3_XXS) == 98 && sizeof(BlockIQ3_S) == 110 && sizeof(BlockIQ1_S) == 50 &&
                  sizeof(BlockIQ1_M) == 56,
              "block sizes as in ggml-common.h");

void dequantize_row_iq2_xxs(const BlockIQ2_XXS* x, float* y, std::int64_t n);
void dequantize_row_iq2_xs(const BlockIQ2_XS* x, float* y, std::int64_t n);
void dequantize_row_iq2_s(const BlockIQ2_S* x, float* y, std::int64_t n);
void dequantize_row_iq3_xxs(const BlockIQ3_XXS* x, float* y, std::int64_t n);
void dequantize_row_iq3_s(const BlockIQ3_S* x, float* y, std::int64_t n);
void dequantize_row_iq1_s(const BlockIQ1_S* x, float* y, std::int64_t n);
void dequantize_row_iq1_m(const BlockIQ1_M* x, float* y, std::int64_t n);

// The sign byte for a 7-bit stored pattern: bit 7 set when the pattern has an odd number of ones.
std::uint8_t iq_signs(unsigned stored7);

}  // namespace qforge
