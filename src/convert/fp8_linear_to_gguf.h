#pragma once
// An FP8 checkpoint's weight (E4M3 with its weight_scale or weight_scale_inv beside it, formats/hf/fp8_config) as
// GGUF rows: dequantized into a float type, Q/K rows in llama.cpp's RoPE order.
#include <cstdint>
#include <string>
#include <vector>

#include "formats/hf/fp8_config.h"
#include "formats/hf/hf_checkpoint.h"

namespace qforge {

// The scales of an FP8 checkpoint's weights (and the static activation scales, which qforge does not need).
bool is_fp8_scale_tensor(const std::string& name);

// An FP8 weight and its scale (weight_scale or weight_scale_inv, beside it): one scale, one per row, or one per
// block of the config's size, told apart by the scale's shape.
struct Fp8Weight {
    const TensorView* q = nullptr;
    const TensorView* scale = nullptr;
    std::int64_t span_rows = 0, span_cols = 0;
};

// Finds the scale and tells its layout apart by shape; errors name the checkpoint and the tensors.
Fp8Weight fp8_weight(const HfCheckpoint& ck, const TensorView& t, const Fp8Config& fp8);
// The weight's values in `type`, rows permuted over `heads` for llama.cpp's RoPE (0: none).
std::vector<std::uint8_t> fp8_weight_bytes(const Fp8Weight& f, TensorType type, std::int64_t heads);

}  // namespace qforge
