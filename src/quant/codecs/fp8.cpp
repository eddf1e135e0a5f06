#include "quant/codecs/fp8.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/float_convert.h"

namespace qforge {
namespace {

constexpr float kE4M3Max = 448.0f;

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

void check(std::int64_t rows, std::int64_t cols, std::int64_t block_rows, std::int64_t block_cols) {
    if (rows <= 0 || cols <= 0 || block_rows <= 0 || block_cols <= 0)
        fail("internal error: an FP8 matrix of {} x {} in blocks of {} x {}", rows, cols, block_rows, block_cols);
}

}  // namespace

std::size_t fp8_scale_count(std::int64_t rows, std::int64_t cols, std::int64_t block_rows, std::int64_t block_cols) {
    check(rows, cols, block_rows, block_cols);
    return static_cast<std::size_t>(ceil_div(rows, block_rows) * ceil_div(cols, block_cols));
}

Fp8Matrix quantize_fp8(const float* w, std::int64_t rows, std::int64_t cols, std::int64_t block_rows, std::int64_t block_cols) {
    check(rows, cols, block_rows, block_cols);
    Fp8Matrix m;
    m.q.resize(static_cast<std::size_t>(rows * cols));
    for (std::int64_t br = 0; br < ceil_div(rows, block_rows); ++br)
        for (std::int64_t bc = 0; bc < ceil_div(cols, block_cols); ++bc) {
            const std::int64_t r0 = br * block_rows, r1 = std::min(rows, r0 + block_rows);
            const std::int64_t c0 = bc * block_cols, c1 = std::min(cols, c0 + block_cols);
            float amax = 0.0f;
            for (std::int64_t r = r0; r < r1; ++r)
                for (std::int64_t c = c0; c < c1; ++c) amax = std::max(amax, std::fabs(w[r * cols + c]));
            const float s = amax > 0.0f ? amax / kE4M3Max : 1.0f;  // an all-zero block: any scale
            m.scales.push_back(s);
            for (std::int64_t r = r0; r < r1; ++r)
                for (std::int64_t c = c0; c < c1; ++c) m.q[static_cast<std::size_t>(r * cols + c)] = fp32_to_fp8_e4m3(w[r * cols + c] / s);
        }
    return m;
}

void dequantize_fp8_rows(const std::uint8_t* q, const float* scales, std::int64_t row0, std::int64_t row1, std::int64_t cols,
                         std::int64_t block_rows, std::int64_t block_cols, float* out) {
    check(row1, cols, block_rows, block_cols);
    const std::int64_t grid_cols = ceil_div(cols, block_cols);
    for (std::int64_t r = row0; r < row1; ++r) {
        const std::size_t at = static_cast<std::size_t>((r - row0) * cols);
        const float* row_scales = scales + (r / block_rows) * grid_cols;
        for (std::int64_t c = 0; c < cols; ++c)
            out[at + static_cast<std::size_t>(c)] = fp8_e4m3_to_fp32(q[at + static_cast<std::size_t>(c)]) * row_scales[c / block_cols];
    }
}

}  // namespace qforge
