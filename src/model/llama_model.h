#pragma once
// A llama-family GGUF opened for inference: the mapped file, its hyperparameters, its weight views, and the
// matrices made ready for their kernels (repacked into interleaved layouts where the CPU has kernels for
// them, once, when the model loads). Immutable after construction: sessions share it.
#include <memory>
#include <string>
#include <vector>

#include "formats/gguf/gguf_file.h"
#include "model/layer_forward.h"
#include "model/llama_hparams.h"
#include "model/llama_weights.h"

namespace qforge {

class LlamaModel {
public:
    // threads: for repacking at load (<= 0: physical cores).
    explicit LlamaModel(const std::string& path, int threads = 0);
    const GgufFile& file() const { return *file_; }
    const LlamaHparams& hparams() const { return hparams_; }
    const LlamaWeights& weights() const { return weights_; }
    const LayerWeights& layer(std::int64_t l) const { return layers_[static_cast<std::size_t>(l)]; }
    const LinearWeight& output() const { return output_; }
    // The kernel layout of each weight type in the model ("q4_K: q4_K_r16 (avx512-vnni)"), for reports.
    std::vector<std::string> kernel_summary() const;
    // Bytes a decode step streams through the matrices (each weight once, as its kernel reads it).
    std::uint64_t matrix_bytes() const;

private:
    std::unique_ptr<GgufFile> file_;
    LlamaHparams hparams_;
    LlamaWeights weights_;
    std::vector<LayerWeights> layers_;
    LinearWeight output_;
};

}  // namespace qforge
