#pragma once
// A CTranslate2 decoder directory (model.bin, config.json, vocabulary.json, and the tokenizer's own files, as
// ct2-transformers-converter --copy_files or `qforge convert --format ctranslate2` leave them) as a Hugging Face
// checkpoint directory in float32, which the converter and the engine read: config.json rebuilt from the spec's
// variables (Llama, Mistral with its window, Qwen2 with its q/k/v biases), linear_0 split back into q, k and v,
// int8 weights dequantized as CTranslate2 does (q / scale, row by row). CTranslate2 keeps no context length:
// max_position_embeddings is written as 4096.
#include <string>

namespace qforge {

// True for a directory holding model.bin (checked before a Hugging Face checkpoint: both have config.json).
bool looks_like_ctranslate2_dir(const std::string& dir);

// Writes the checkpoint into out_dir (created; refused when it exists and is not empty).
void ctranslate2_to_hf(const std::string& ct2_dir, const std::string& out_dir);

}  // namespace qforge
