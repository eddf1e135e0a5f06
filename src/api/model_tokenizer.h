#pragma once
// The tokenizer a model's GGUF metadata describes, checked against the model's vocabulary size.
#include <string>

#include "model/llama_model.h"
#include "tokenizer/tokenizer.h"

namespace qforge {

Tokenizer model_tokenizer(const LlamaModel& model, const std::string& path);

}  // namespace qforge
