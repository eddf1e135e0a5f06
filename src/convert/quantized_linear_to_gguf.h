#pragma once
// One GPTQ/AWQ layer (IntLayer) as a GGUF tensor. Where the checkpoint's grid is a GGUF block type, the levels
// are kept: symmetric 4-bit groups of 32 are exactly Q4_0 (d = scale, the zero point 8 is Q4_0's offset),
// symmetric 8-bit groups of 32 exactly Q8_0, asymmetric 4-bit groups of 32 Q4_1 (d = scale, m = -scale * zero
// rounded to fp16, the only change). Any other grid (groups of 128, act-order, 2/3-bit) is dequantized into a
// float type, to be requantized by `qforge quantize` if wanted.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/tensor_type.h"
#include "formats/gptq/int_packing.h"

namespace qforge {

struct IntGrid {
    int bits = 4;
    int group_size = 128;  // the input columns per group, as the checkpoint's config says (-1: whole row)
    bool symmetric = false;
    bool act_order = false;
};

// The GGUF type a grid maps onto with its levels kept; nullopt: dequantize.
std::optional<TensorType> gguf_type_for_grid(const IntGrid& grid, std::int64_t in);
// "exact" or "levels kept, min rounded to fp16" for a mapped type.
std::string mapping_kind(TensorType type);

// The layer's rows in `type` (Q4_0, Q4_1, Q8_0, or a float type). A layer that does not hold the grid its
// config claims (zero points other than the symmetric one, non-contiguous groups) is an error naming `name`.
std::vector<std::uint8_t> int_layer_to_gguf(const IntLayer& layer, TensorType type, const std::string& name);

// rows x cols float values (a dequantized FP8 or MLX weight) as GGUF rows of a float `type`, reordered by
// llama.cpp's RoPE permutation over `heads` (0: none).
std::vector<std::uint8_t> float_rows_to_gguf(std::vector<float> w, std::int64_t rows, std::int64_t cols, TensorType type, std::int64_t heads);

// The layer with its output rows reordered by llama.cpp's RoPE permutation over n_head heads (Q and K of
// llama checkpoints), or back (inverse).
IntLayer permute_int_layer_rows(const IntLayer& layer, std::int64_t n_head, bool inverse);

}  // namespace qforge
