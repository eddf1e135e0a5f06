#pragma once
// Converting a product's f32 inputs into the format a kernel reads (gemm.h's ActivationFormat). The
// quantized formats hold exactly llama.cpp's activation blocks (Q8_0: scale amax/127 rounded to fp16, values
// rounded to nearest even; Q8_K: scale from the largest-magnitude value, as ggml's quantize_row_q8_K);
// the *_SUMS formats add the integer sums the r16 kernels fold zero points and minimums with. An AVX-512 path
// converts rows where the CPU has it, bit-identical to the reference (tests hold it so).
#include <cstddef>
#include <cstdint>

#include "quant/kernels/gemm.h"

namespace qforge {

// The *_SUMS formats interleave 8 tokens ("a tile"), block by block, so a kernel running 8 tokens reads all of
// them at fixed offsets from one pointer. Where the parts of a tile of n-value rows live (byte offsets from the
// tile's start; block b, token t):
//   Q8_0_SUMS  qs [b][t][32] int8, d [b][t] float, minus8 [b][t] int32 (-8 * the block's sum of values: where a
//              zero point 8 dot product starts), minus128 [b][t] int32 (-128 * sum)
//   Q8_K_SUMS  qs [b][t][256] int8, d [b][t] float, sums16 [b][t][16] int16, sums32 [b][t][8] int16 (sums of each
//              16 and 32 values)
struct Q8SumsLayout {
    std::size_t qs = 0, d = 0, minus8 = 0, minus128 = 0, sums16 = 0, sums32 = 0;
    std::size_t stride = 0;  // bytes of a tile
};
constexpr int kActivationTile = 8;
Q8SumsLayout q8_0_sums_layout(std::int64_t n);
Q8SumsLayout q8_k_sums_layout(std::int64_t n);

// Tokens one tile of the format holds (8 for the *_SUMS formats, 1 for the row formats).
int activation_tile_tokens(ActivationFormat format);
// Bytes for n_tokens converted rows of n values.
std::size_t activation_bytes(ActivationFormat format, std::int64_t n, std::int64_t n_tokens);

// One row of n values into slot `slot` of the tile at `tile` (activation_row_stride bytes per tile). n must
// suit the format's blocks.
void convert_activation_row(ActivationFormat format, const float* x, std::int64_t n, std::uint8_t* tile, int slot = 0);
// The reference conversion (plain C++), which the SIMD path equals bit for bit.
void convert_activation_row_reference(ActivationFormat format, const float* x, std::int64_t n, std::uint8_t* tile, int slot = 0);
// The AVX-512 conversion; callers check the CPU (falls back to the reference for the rows formats).
void convert_activation_row_avx512(ActivationFormat format, const float* x, std::int64_t n, std::uint8_t* tile, int slot = 0);

}  // namespace qforge
