#pragma once
// Writes a Vocab as llama.cpp's tokenizer.ggml.* metadata keys, in gguf-py's order.
#include "formats/gguf/gguf_metadata.h"
#include "tokenizer/vocab.h"

namespace qforge {

void write_vocab_metadata(const Vocab& vocab, GgufMetadata& metadata);

}  // namespace qforge
