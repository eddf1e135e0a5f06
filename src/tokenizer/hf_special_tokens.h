#pragma once
// Special token ids and add_bos/add_eos flags of a Hugging Face checkpoint, found the way gguf-py's
// SpecialVocab finds them: tokenizer_config.json's *_token entries matched against tokenizer.json's
// added_tokens, then config.json's *_token_id; the first source that names a kind wins.
#include <string>

#include "tokenizer/vocab.h"

namespace qforge {

// Fills vocab.special_ids, vocab.add_special and vocab.chat_template; vocab.tokens must already be set.
void load_hf_special_tokens(const std::string& dir, Vocab& vocab);

}  // namespace qforge
