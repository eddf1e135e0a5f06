#pragma once
// FP8 E4M3 weights with float scales, as Hugging Face FP8 checkpoints hold them (w = q * scale), each scale
// covering a block of block_rows x block_cols: the whole matrix (per tensor), 1 x cols (per output channel) or
// DeepSeek-V3 / Qwen3's 128 x 128 (`weight_scale_inv`; the last blocks of a side that is not a multiple are
// partial). Scales are row-major over the block grid. A scale is the largest magnitude it covers over 448
// (E4M3's largest value, which that magnitude then lands on); weights are divided by it and rounded to the
// nearest E4M3 (core/float_convert).
#include <cstdint>
#include <vector>

namespace qforge {

struct Fp8Matrix {
    std::vector<std::uint8_t> q;  // rows x cols E4M3 codes
    std::vector<float> scales;    // ceil(rows/block_rows) x ceil(cols/block_cols)
};

Fp8Matrix quantize_fp8(const float* w, std::int64_t rows, std::int64_t cols, std::int64_t block_rows, std::int64_t block_cols);

std::size_t fp8_scale_count(std::int64_t rows, std::int64_t cols, std::int64_t block_rows, std::int64_t block_cols);

// Rows [row0, row1) of w = q * the scale covering each element (q and out point at row0's first element).
void dequantize_fp8_rows(const std::uint8_t* q, const float* scales, std::int64_t row0, std::int64_t row1, std::int64_t cols,
                         std::int64_t block_rows, std::int64_t block_cols, float* out);

}  // namespace qforge
