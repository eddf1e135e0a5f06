#pragma once
// A llama-family GGUF opened for inference: the mapped file, its hyperparameters and its weight views.
#include <memory>
#include <string>

#include "formats/gguf/gguf_file.h"
#include "model/llama_hparams.h"
#include "model/llama_weights.h"

namespace qforge {

class LlamaModel {
public:
    explicit LlamaModel(const std::string& path);
    const GgufFile& file() const { return *file_; }
    const LlamaHparams& hparams() const { return hparams_; }
    const LlamaWeights& weights() const { return weights_; }

private:
    std::unique_ptr<GgufFile> file_;
    LlamaHparams hparams_;
    LlamaWeights weights_;
};

}  // namespace qforge
