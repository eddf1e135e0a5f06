#include "api/model_tokenizer.h"

#include "core/error.h"

namespace qforge {

Tokenizer model_tokenizer(const LlamaModel& model, const std::string& path) {
    Tokenizer tok = Tokenizer::from_gguf(model.file().metadata(), path);
    if (static_cast<std::int64_t>(tok.size()) != model.hparams().n_vocab)
        fail("{}: the tokenizer has {} tokens but token_embd.weight has {} rows", path, tok.size(),
             model.hparams().n_vocab);
    return tok;
}

}  // namespace qforge
