#pragma once
// An mlx-lm quantized weight (formats/mlx_lm/mlx_config) as GGUF rows: levels unpacked, dequantized with MLX's
// float16 (or bfloat16) arithmetic into a float type, Q/K rows in llama.cpp's RoPE order.
#include <cstdint>
#include <string>
#include <vector>

#include "formats/hf/hf_checkpoint.h"
#include "formats/mlx_lm/mlx_config.h"

namespace qforge {

// An mlx-lm quantized weight: `weight` (uint32 words of LSB-first levels, [out, in * bits / 32]) with `scales`
// and `biases` ([out, in / group]) beside it.
struct MlxWeight {
    const TensorView *words = nullptr, *scales = nullptr, *biases = nullptr;
    MlxGrid grid;
    std::int64_t rows = 0, cols = 0;
};

// Finds the scales and biases and checks the shapes against the module's grid; errors name the tensors.
MlxWeight mlx_weight(const HfCheckpoint& ck, const TensorView& t, const MlxGrid& grid);
std::vector<std::uint8_t> mlx_weight_bytes(const MlxWeight& m, TensorType type, std::int64_t heads);

}  // namespace qforge
