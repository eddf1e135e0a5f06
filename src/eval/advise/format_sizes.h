#pragma once
// What each deployable format of a model weighs. GGUF types and mixes are sized by running llama.cpp's own
// per-tensor rules (the MixPlanner qforge quantize uses) over the model's tensors, so a real model's Q4_K_M
// size is exactly the file's; AutoAWQ/AutoGPTQ INT-n with groups, INT8 and FP8 checkpoints by their layouts
// (packed weights, fp16 scales, packed zeros, g_idx; embeddings, output and norms in fp16).
#include <cstdint>
#include <string>
#include <vector>

#include "eval/advise/model_shape.h"

namespace qforge {

struct FormatSize {
    std::string name;    // "Q4_K_M", "AWQ INT4 g128", "F16" ...
    std::string family;  // "gguf", "awq", "gptq", "fp8", "mlx", "f16"
    std::uint64_t weight_bytes = 0;
    double bits_per_weight = 0;
};

FormatSize gguf_format_size(const ModelShape& shape, const std::string& mix);
// bits 2..8, group_size > 0 or -1 (whole row); gptq adds g_idx.
FormatSize grouped_int_size(const ModelShape& shape, const std::string& family, int bits, int group_size);
// qforge quantize --format fp8's per-channel layout: linears of the blocks in E4M3 with an f32 scale per row, the
// rest (lm_head included) in 16 bits.
FormatSize fp8_size(const ModelShape& shape);
// qforge quantize --format mlx (mlx-lm's layout): the blocks' linears, the embeddings and lm_head whose input the
// group divides at `bits`, with an f16 scale and bias per group; the rest in f16.
FormatSize mlx_size(const ModelShape& shape, int bits, int group_size);
// qforge convert --format ctranslate2 --quantization int8_float16: the blocks' linears, the embeddings and the
// output projection as int8 rows with an f32 scale each, the rest in f16.
FormatSize ctranslate2_int8_size(const ModelShape& shape);

}  // namespace qforge
