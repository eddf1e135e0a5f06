#pragma once
// llama2.c checkpoint + tokenizer file -> GGUF, with the metadata and tensor order of llama.cpp's
// convert-llama2c-to-ggml. One deliberate difference: llama.context_length is the checkpoint's seq_len,
// where llama.cpp writes its hard-coded default of 128.
#include "convert/hf_to_gguf.h"
#include "formats/llama2c/llama2c_checkpoint.h"

namespace qforge {

// Finds the tokenizer beside the checkpoint: tok{vocab_size}.bin, then tokenizer.bin.
std::string find_llama2c_vocab(const Llama2cCheckpoint& ck);

GgufPlan plan_llama2c_to_gguf(const Llama2cCheckpoint& ck, const ConvertOptions& options);

}  // namespace qforge
