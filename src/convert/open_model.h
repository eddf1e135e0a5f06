#pragma once
// The engine's model from any input it runs: a GGUF file is mapped as it is; a Hugging Face checkpoint
// directory (float, GPTQ or AWQ) is converted to a scratch GGUF that is mapped and unlinked at once, so nothing
// is left behind. Quantized layers keep their levels where their grid is a GGUF type (GPTQ/AWQ 4-bit groups of
// 32 as Q4_0/Q4_1) and are dequantized to F32 otherwise, so the engine computes what the checkpoint's loaders do.
#include <memory>
#include <string>

#include "model/llama_model.h"

namespace qforge {

std::unique_ptr<LlamaModel> open_model(const std::string& path);

}  // namespace qforge
