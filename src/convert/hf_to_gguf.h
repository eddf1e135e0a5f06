#pragma once
// Hugging Face llama-family checkpoint -> GGUF, matching llama.cpp's convert_hf_to_gguf.py: its metadata
// keys and order, its tensor names and order, the RoPE permutation of Q/K, and its F32/F16/BF16 rounding.
// GPTQ and AWQ checkpoints (quantization_config / quantize_config.json) too: each quantized layer keeps its
// levels where its grid is a GGUF block type, and is dequantized into the output type otherwise
// (quantized_linear_to_gguf), unpacked only when the writer reaches it.
#include <string>

#include "convert/convert_options.h"
#include "convert/tensor_plan.h"
#include "formats/hf/hf_checkpoint.h"

namespace qforge {

// A GPTQ/AWQ layer of the checkpoint and what became of it.
struct ImportedLinear {
    std::string tensor;  // GGUF name
    std::string grid;    // "GPTQ INT4 g32 sym"
    TensorType type;
    std::string how;     // "exact", "levels kept, ...", "dequantized"
};

struct GgufPlan {
    GgufMetadata metadata;
    std::vector<PlannedTensor> tensors;
    std::vector<ImportedLinear> imported;
    // views the plan made of the checkpoint's tensors (Gemma 3's embeddings cut to the vocabulary), which its
    // tensors read
    std::vector<std::unique_ptr<TensorView>> views;
};

// The plan references ck's tensor views: ck must outlive it.
GgufPlan plan_hf_to_gguf(const HfCheckpoint& ck, const ConvertOptions& options);

}  // namespace qforge
