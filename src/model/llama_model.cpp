#include "model/llama_model.h"

#include <map>

#include <fmt/format.h>

#include "core/error.h"
#include "core/thread_pool.h"

namespace qforge {

LlamaModel::LlamaModel(const std::string& path, int threads) : file_(std::make_unique<GgufFile>(path)) {
    const TensorView* emb = file_->find("token_embd.weight");
    if (emb == nullptr || emb->ne.size() != 2) fail("{}: tensor 'token_embd.weight' is missing or not a matrix", path);
    hparams_ = read_llama_hparams(file_->metadata(), emb->ne[1], path);
    weights_ = bind_llama_weights(*file_, hparams_, path);
    ThreadPool pool(threads);
    layers_.reserve(weights_.layers.size());
    for (const LlamaLayer& l : weights_.layers) layers_.push_back(bind_layer(l, &pool, LinearWeight::Source::MappedFile));
    // tied embeddings: the rows are still read by embed_tokens, so the file's pages stay (Memory keeps them)
    output_ = LinearWeight(*weights_.output, &pool,
                           weights_.output == weights_.tok_embd ? LinearWeight::Source::Memory : LinearWeight::Source::MappedFile);
}

std::vector<std::string> LlamaModel::kernel_summary() const {
    std::map<std::string, std::string> by_type;
    auto add = [&](const LinearWeight& w) { by_type.emplace(std::string(type_name(w.view().type)), std::string(w.kernel().layout)); };
    for (const LayerWeights& l : layers_)
        for (const LinearWeight* w : l.matrices()) add(*w);
    add(output_);
    std::vector<std::string> out;
    for (const auto& [type, layout] : by_type) out.push_back(fmt::format("{}: {}", type, layout));
    return out;
}

std::uint64_t LlamaModel::matrix_bytes() const {
    std::uint64_t b = output_.bytes();
    for (const LayerWeights& l : layers_) {
        std::uint64_t experts = 0;
        for (const LinearWeight* w : l.matrices()) {
            const bool expert = l.has_experts() && w != &l.wq && w != &l.wk && w != &l.wv && w != &l.wo && w != &l.experts.router;
            (expert ? experts : b) += w->bytes();
        }
        // a token reads n_expert_used of the experts
        if (l.has_experts()) b += experts * static_cast<std::uint64_t>(l.experts.n_expert_used) / static_cast<std::uint64_t>(l.experts.n_expert());
    }
    return b;
}

}  // namespace qforge
