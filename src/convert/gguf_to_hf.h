#pragma once
// `qforge convert MODEL OUT_DIR --format hf`: any model qforge reads as a Hugging Face checkpoint directory:
// config.json and the tokenizer files from the GGUF's metadata (hf_model_files), the tensors under their
// Hugging Face names in safetensors shards, Q/K rows back in Hugging Face's order, Gemma's norms as w of
// (1 + w), stacked experts split into one tensor per expert, RoPE factor tensors folded back into config.json.
// Float tensors keep their bytes unless an output type is asked for; quantized ones are dequantized.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/tensor_type.h"
#include "formats/gguf/gguf_file.h"

namespace qforge {

struct HfExportOptions {
    std::optional<TensorType> outtype;  // F32, F16 or BF16; nullopt: float tensors as they are, quantized ones F16
    std::uint64_t max_shard_bytes = 5'000'000'000ull;
    bool progress = true;
};

struct HfExportSummary {
    std::size_t tensors = 0, shards = 0, dequantized = 0;
    std::uint64_t bytes = 0, parameters = 0;
    std::string torch_dtype;
};

HfExportSummary export_gguf_to_hf(const GgufFile& gguf, const std::string& dir, const HfExportOptions& options);

}  // namespace qforge
