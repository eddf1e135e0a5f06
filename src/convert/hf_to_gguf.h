#pragma once
// Hugging Face llama-family checkpoint -> GGUF, matching llama.cpp's convert_hf_to_gguf.py: its metadata
// keys and order, its tensor names and order, the RoPE permutation of Q/K, and its F32/F16/BF16 rounding.
#include <string>

#include "convert/convert_options.h"
#include "convert/tensor_plan.h"
#include "formats/hf/hf_checkpoint.h"

namespace qforge {

struct GgufPlan {
    GgufMetadata metadata;
    std::vector<PlannedTensor> tensors;
};

// The plan references ck's tensor views: ck must outlive it.
GgufPlan plan_hf_to_gguf(const HfCheckpoint& ck, const ConvertOptions& options);

}  // namespace qforge
