#pragma once
// A SentencePiece vocabulary (tokenizer.ggml.model "llama") as the tokenizer.model file libsentencepiece and
// transformers' LlamaTokenizer load: sentencepiece_model.proto's ModelProto, written in protobuf's wire format
// by hand (the library ships no generated classes): every token as a piece with its score and type, a BPE
// trainer_spec naming the unknown/bos/eos/pad pieces and byte fallback, and the identity normalizer with the
// dummy space prefix unless tokenizer.ggml.add_space_prefix is false. SentencePiece has one unknown piece:
// tokenizer.ggml.unknown_token_id's (or the first typed unknown); other tokens typed unknown (the [PADn] padding
// of older llama.cpp converters) are written unused.
#include <string>

#include "tokenizer/vocab.h"

namespace qforge {

// Throws when the vocabulary cannot be a SentencePiece model (no unknown token, an empty or repeated piece).
std::string sentencepiece_model_bytes(const Vocab& vocab);

}  // namespace qforge
