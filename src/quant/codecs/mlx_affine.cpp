#include "quant/codecs/mlx_affine.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"
#include "core/float_convert.h"

namespace qforge {
namespace {

float round_to(TensorType t, float v) {
    switch (t) {
        case TensorType::F16: return fp16_to_fp32(fp32_to_fp16(v));
        case TensorType::BF16: return bf16_to_fp32(fp32_to_bf16(v));
        default: return v;
    }
}

}  // namespace

AffineGroups quantize_mlx_affine(const float* w, std::int64_t rows, std::int64_t cols, int bits, int group) {
    if (bits < 2 || bits > 8 || group <= 0 || cols % group != 0 || rows <= 0)
        fail("internal error: MLX affine quantization of {} x {} at {} bits in groups of {}", rows, cols, bits, group);
    const float n_bins = static_cast<float>((1 << bits) - 1);
    const std::int64_t groups = cols / group;
    AffineGroups g;
    g.q.resize(static_cast<std::size_t>(rows * cols));
    g.scales.resize(static_cast<std::size_t>(rows * groups));
    g.biases.resize(g.scales.size());
    for (std::int64_t r = 0; r < rows; ++r)
        for (std::int64_t k = 0; k < groups; ++k) {
            const float* x = w + r * cols + k * group;
            float w_max = -std::numeric_limits<float>::infinity(), w_min = std::numeric_limits<float>::infinity();
            for (int i = 0; i < group; ++i) {
                w_max = std::max(w_max, x[i]);
                w_min = std::min(w_min, x[i]);
            }
            float scale = std::max((w_max - w_min) / n_bins, 1e-7f);
            const bool min_edge = std::fabs(w_min) > std::fabs(w_max);
            scale = min_edge ? scale : -scale;
            const float edge = min_edge ? w_min : w_max;
            const float q0 = std::rint(edge / scale);
            float bias = 0.0f;
            if (q0 != 0.0f) {
                scale = edge / q0;
                bias = edge;
            }
            const auto at = static_cast<std::size_t>(r * groups + k);
            g.scales[at] = scale;
            g.biases[at] = bias;
            for (int i = 0; i < group; ++i) {
                const float q = std::clamp(std::rint((x[i] - bias) / scale), 0.0f, n_bins);
                g.q[static_cast<std::size_t>(r * cols + k * group + i)] = static_cast<std::uint8_t>(q);
            }
        }
    return g;
}

void dequantize_mlx_affine_rows(const std::uint8_t* q, const float* scales, const float* biases, std::int64_t row0, std::int64_t row1,
                                std::int64_t cols, int group, TensorType dtype, float* out) {
    const std::int64_t groups = cols / group;
    for (std::int64_t r = row0; r < row1; ++r)
        for (std::int64_t c = 0; c < cols; ++c) {
            const auto at = static_cast<std::size_t>((r - row0) * cols + c);
            const auto g = static_cast<std::size_t>(r * groups + c / group);
            out[at] = round_to(dtype, round_to(dtype, scales[g] * static_cast<float>(q[at])) + biases[g]);
        }
}

}  // namespace qforge
