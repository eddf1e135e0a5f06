#pragma once
// A model as an FP8 (E4M3) Hugging Face checkpoint that vLLM loads: every linear of the layers (and each expert's
// matrices) as `weight` F8_E4M3 with its scales (formats/hf/fp8_config: `weight_scale` per tensor or per output
// channel, or `weight_scale_inv` per 128 x 128 block), dynamic activations; the embeddings, norms, router and
// the modules the config ignores (lm_head) in BF16; config.json with its quantization_config and the tokenizer
// files beside it (hf_model_files). Rows are in the Hugging Face order (Q/K un-permuted) before the scales are
// taken, so a per-channel scale belongs to the row it scales there. Written tensor by tensor; the directory
// appears only when complete.
#include <cstdint>
#include <string>

#include "convert/hf_model_files.h"
#include "formats/gguf/gguf_file.h"
#include "formats/hf/fp8_config.h"

namespace qforge {

struct Fp8CheckpointSummary {
    std::size_t tensors = 0, quantized_layers = 0, shards = 0;
    std::uint64_t bytes = 0, parameters = 0;
};

Fp8CheckpointSummary write_fp8_checkpoint(const std::string& dir, const GgufFile& model, const HfModelFiles& files, const Fp8Config& config,
                                          std::uint64_t max_shard_bytes = 5'000'000'000ull, bool progress = true);

}  // namespace qforge
