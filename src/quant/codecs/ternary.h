#pragma once
// ggml's ternary types for BitNet-style models: TQ1_0 packs five trits per byte (1.6875 bits per weight),
// TQ2_0 two bits per weight; one fp16 scale (the absolute maximum) per 256 weights. Quantizers are llama.cpp's
// reference ones (round to -1, 0, 1 of the scale).
#include <cstdint>

#include "quant/codecs/iq4.h"  // kQK_K

namespace qforge {

struct BlockTQ1_0 {
    std::uint8_t qs[(kQK_K - 4 * kQK_K / 64) / 5];  // 48 bytes, five trits each
    std::uint8_t qh[kQK_K / 64];                    // 4 bytes, four trits each
    std::uint16_t d;
};
struct BlockTQ2_0 {
    std::uint8_t qs[kQK_K / 4];
    std::uint16_t d;
};
static_assert(sizeof(BlockTQ1_0) == 54 && sizeof(BlockTQ2_0) == 66, "block sizes as in ggml-common.h");

void quantize_row_tq1_0(const float* x, BlockTQ1_0* y, std::int64_t n);
void quantize_row_tq2_0(const float* x, BlockTQ2_0* y, std::int64_t n);
void dequantize_row_tq1_0(const BlockTQ1_0* x, float* y, std::int64_t n);
void dequantize_row_tq2_0(const BlockTQ2_0* x, float* y, std::int64_t n);

}  // namespace qforge
