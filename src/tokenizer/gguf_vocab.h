#pragma once
// Writes (and reads) a Vocab as llama.cpp's tokenizer.ggml.* metadata keys, in gguf-py's order.
#include "formats/gguf/gguf_metadata.h"
#include "tokenizer/vocab.h"

namespace qforge {

void write_vocab_metadata(const Vocab& vocab, GgufMetadata& metadata);
// Reads tokenizer.ggml.* back; `where` names the file in errors. Throws when the file has no tokenizer.
Vocab read_vocab_metadata(const GgufMetadata& metadata, const std::string& where);

}  // namespace qforge
