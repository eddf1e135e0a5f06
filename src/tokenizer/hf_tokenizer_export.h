#pragma once
// A GGUF vocabulary as the tokenizer files of a Hugging Face checkpoint, written so that transformers loads
// them and llama.cpp's converter (and qforge's, which follows it) reads back the same tokenizer.ggml.* keys:
// - SentencePiece ("llama"): tokenizer.model (spm_model_writer), user-defined tokens also listed in
//   tokenizer_config.json's added_tokens_decoder (the converter reads them only from there);
// - byte-level BPE ("gpt2"): tokenizer.json with the vocabulary, merges, control and user-defined tokens as
//   added_tokens, and the pre-tokenizer of tokenizer.ggml.pre (bpe_pre_tokenizers);
// - both: tokenizer_config.json (special token strings, add_bos/add_eos, the chat template) and
//   special_tokens_map.json. The special ids go into config.json's {kind}_token_id (set_special_token_ids),
//   where the converter finds them for either kind of vocabulary.
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "tokenizer/vocab.h"

namespace qforge {

// (file name, contents) pairs; throws naming the key when the vocabulary has no Hugging Face form here (a
// WordPiece vocabulary, an unknown pre-tokenizer).
std::vector<std::pair<std::string, std::string>> hf_tokenizer_files(const Vocab& vocab);

void set_special_token_ids(const Vocab& vocab, nlohmann::json& config);

}  // namespace qforge
