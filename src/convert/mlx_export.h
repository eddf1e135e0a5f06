#pragma once
// A model as an mlx-lm quantized directory (ml-explore/mlx-lm's layout, formats/mlx_lm/mlx_config): every linear of
// the layers, lm_head and the token embeddings whose input size the group divides, as `weight` (uint32 words of
// LSB-first levels), `scales` and `biases` (w = scale * q + bias) in the model's float type; norms and the
// rest in that type too; config.json with the "quantization" block (and its "quantization_config" mirror,
// per-module entries for mixed bits), tie_word_embeddings written out (mlx-lm's llama assumes tied when it is
// absent); the tokenizer files beside it; safetensors with {"format": "mlx"} and the index mlx-lm always writes.
// Levels come from MLX's own affine rounding (quant/codecs/mlx_affine), or from GPTQ/AWQ calibration on the
// same grid (`calibrated`: scales of fp16, bias = -scale * zero).
#include <cstdint>
#include <map>
#include <string>

#include "convert/hf_model_files.h"
#include "core/tensor_view.h"
#include "formats/gptq/int_packing.h"
#include "formats/mlx_lm/mlx_config.h"

namespace qforge {

struct MlxExportOptions {
    MlxGrid grid;
    // mlx_lm.convert's --quant-predicate: "", mixed_2_6, mixed_3_4, mixed_3_6, mixed_4_6 (v_proj and down_proj of
    // the first and last eighth of the layers and every third between, and lm_head, at the higher bits)
    std::string predicate;
    std::uint64_t max_shard_bytes = 5ull << 30;  // mlx-lm's 5 GiB shards
    bool progress = true;
};

struct MlxExportSummary {
    std::size_t tensors = 0, quantized = 0, shards = 0;
    std::uint64_t bytes = 0, parameters = 0;
    std::string dtype;  // torch_dtype
};

// tensors: the model under GGUF names, in llama.cpp's layout (a GGUF's, or a calibrated plan's, whose norms AWQ
// rescaled); `where` names it in errors. calibrated: the layers calibration quantized, by int_layer_key (GGUF
// name; in llama.cpp's row order), on the global grid; the other linears are rounded by MLX's affine rule.
MlxExportSummary write_mlx_checkpoint(const std::string& dir, const std::vector<TensorView>& tensors, const std::string& where,
                                      const HfModelFiles& files, const MlxExportOptions& options,
                                      const std::map<std::string, IntLayer>& calibrated = {});

}  // namespace qforge
