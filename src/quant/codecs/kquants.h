#pragma once
// ggml's k-quants: super-blocks of 256 weights split into sub-blocks of 16 or 32, each with its own scale
// (and for Q2_K, Q4_K, Q5_K an offset) quantized again against one or two fp16 super-block scales. Q8_K is the
// activation format their dot products use. Quantizers are llama.cpp's: without importance weights the
// reference ("_ref") search, with them the imatrix search, so files match llama-quantize's byte for byte.
#include <cstdint>

#include "quant/codecs/iq4.h"  // kQK_K

namespace qforge {

constexpr int kKScaleSize = 12;

struct BlockQ2_K {
    std::uint8_t scales[kQK_K / 16];  // low nibble scale, high nibble min, per 16 weights
    std::uint8_t qs[kQK_K / 4];
    std::uint16_t d, dmin;
};
struct BlockQ3_K {
    std::uint8_t hmask[kQK_K / 8];
    std::uint8_t qs[kQK_K / 4];
    std::uint8_t scales[kKScaleSize];  // sixteen 6-bit scales
    std::uint16_t d;
};
struct BlockQ4_K {
    std::uint16_t d, dmin;
    std::uint8_t scales[kKScaleSize];  // eight 6-bit scales and eight 6-bit mins
    std::uint8_t qs[kQK_K / 2];
};
struct BlockQ5_K {
    std::uint16_t d, dmin;
    std::uint8_t scales[kKScaleSize];
    std::uint8_t qh[kQK_K / 8];
    std::uint8_t qs[kQK_K / 2];
};
struct BlockQ6_K {
    std::uint8_t ql[kQK_K / 2];
    std::uint8_t qh[kQK_K / 4];
    std::int8_t scales[kQK_K / 16];
    std::uint16_t d;
};
struct BlockQ8_K {
    float d;
    std::int8_t qs[kQK_K];
    std::int16_t bsums[kQK_K / 16];  // sums of qs per 16
};
static_assert(sizeof(BlockQ2_K) == 84 && sizeof(BlockQ3_K) == 110 && sizeof(BlockQ4_K) == 144 &&
                  sizeof(BlockQ5_K) == 176 && sizeof(BlockQ6_K) == 210 && sizeof(BlockQ8_K) == 292,
              "block sizes as in ggml-common.h");

// Q4_K and Q5_K pack 8 scales and 8 mins of 6 bits into 12 bytes; sub-block j's pair.
void get_scale_min_k4(int j, const std::uint8_t* q, std::uint8_t* scale, std::uint8_t* min);
// Q3_K's sixteen 6-bit scales, unpacked and re-centred to -32..31.
void unpack_q3_k_scales(const std::uint8_t* packed, std::int8_t* scales16);

// The last step of every quantizer: the 256 levels, unsigned as stored (Q2_K 0..3, Q3_K 0..7 meaning -4..3,
// Q4_K 0..15, Q5_K 0..31, Q6_K 0..63 meaning -32..31), packed into a block whose scales are already set.
// GPTQ uses them to write levels it chose itself against scales it fixed earlier.
void pack_levels_q2_k(const std::uint8_t* L, BlockQ2_K& y);
void pack_levels_q3_k(const std::uint8_t* L, BlockQ3_K& y);
void pack_levels_q4_k(const std::uint8_t* L, BlockQ4_K& y);
void pack_levels_q5_k(const std::uint8_t* L, BlockQ5_K& y);
void pack_levels_q6_k(const std::uint8_t* L, BlockQ6_K& y);

// One row of n weights (n a multiple of 256). importance: n per-column weights from an imatrix, or null.
void quantize_row_q2_k(const float* x, BlockQ2_K* y, std::int64_t n, const float* importance = nullptr);
void quantize_row_q3_k(const float* x, BlockQ3_K* y, std::int64_t n, const float* importance = nullptr);
void quantize_row_q4_k(const float* x, BlockQ4_K* y, std::int64_t n, const float* importance = nullptr);
void quantize_row_q5_k(const float* x, BlockQ5_K* y, std::int64_t n, const float* importance = nullptr);
void quantize_row_q6_k(const float* x, BlockQ6_K* y, std::int64_t n, const float* importance = nullptr);
void quantize_row_q8_k(const float* x, BlockQ8_K* y, std::int64_t n);

void dequantize_row_q2_k(const BlockQ2_K* x, float* y, std::int64_t n);
void dequantize_row_q3_k(const BlockQ3_K* x, float* y, std::int64_t n);
void dequantize_row_q4_k(const BlockQ4_K* x, float* y, std::int64_t n);
void dequantize_row_q5_k(const BlockQ5_K* x, float* y, std::int64_t n);
void dequantize_row_q6_k(const BlockQ6_K* x, float* y, std::int64_t n);
void dequantize_row_q8_k(const BlockQ8_K* x, float* y, std::int64_t n);

}  // namespace qforge
