#include "model/llama_model.h"

#include "core/error.h"

namespace qforge {

LlamaModel::LlamaModel(const std::string& path) : file_(std::make_unique<GgufFile>(path)) {
    const TensorView* emb = file_->find("token_embd.weight");
    if (emb == nullptr || emb->ne.size() != 2) fail("{}: tensor 'token_embd.weight' is missing or not a matrix", path);
    hparams_ = read_llama_hparams(file_->metadata(), emb->ne[1], path);
    weights_ = bind_llama_weights(*file_, hparams_, path);
}

}  // namespace qforge
