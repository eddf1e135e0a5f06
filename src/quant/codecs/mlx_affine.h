#pragma once
// MLX's affine quantization (ml-explore/mlx, mlx/backend/cpu/quantized.cpp, since v0.12.2): groups of `group`
// consecutive columns, w = scale * q + bias with q in [0, 2^bits). Per group, in float32: the edge of larger
// magnitude (max, or min when |min| > |max|) is kept exact as the bias, with q = 0 there, and the scale
// (negative when the edge is the max) is refitted so that zero falls on a level where it can: scale0 =
// max((max - min) / (2^bits - 1), 1e-7) signed toward the other edge, q0 = rint(edge / scale0), then scale =
// edge / q0, bias = edge (q0 = 0: scale0 and bias 0). q = clamp(rint((w - bias) / scale), 0, 2^bits - 1),
// computed with the float32 scale and bias before they are stored in the model's dtype.
#include <cstdint>
#include <vector>

#include "core/tensor_type.h"

namespace qforge {

struct AffineGroups {
    std::vector<std::uint8_t> q;         // rows x cols levels
    std::vector<float> scales, biases;   // rows x (cols / group), float32 as computed
};

AffineGroups quantize_mlx_affine(const float* w, std::int64_t rows, std::int64_t cols, int bits, int group);

// Rows [row0, row1) of w = scale * q + bias, each operation rounded to `dtype` (F16, BF16 or F32) as MLX
// computes it in the scales' dtype; scales and biases are in float32 holding values of that dtype.
void dequantize_mlx_affine_rows(const std::uint8_t* q, const float* scales, const float* biases, std::int64_t row0, std::int64_t row1,
                                std::int64_t cols, int group, TensorType dtype, float* out);

}  // namespace qforge
