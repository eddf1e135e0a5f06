#pragma once
// A llama2.c checkpoint (karpathy/llama2.c): the legacy layout (7-int header, then fp32 weights grouped by kind
// across layers) and the version 1 "ak42" layout (256-byte header, fp32). Tensors are offered per layer under
// Meta's names ("layers.0.attention.wq.weight"), in ggml order, as views into the mapped file.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/mapped_file.h"
#include "core/tensor_view.h"

namespace qforge {

struct Llama2cConfig {
    std::int32_t dim = 0, hidden_dim = 0, n_layers = 0, n_heads = 0, n_kv_heads = 0, vocab_size = 0, seq_len = 0;
    bool shared_classifier = true;
    int version = 0;  // 0 = legacy, 1 = ak42 v1
};

class Llama2cCheckpoint : public TensorSource {
public:
    explicit Llama2cCheckpoint(const std::string& path);
    const std::string& path() const { return file_->path(); }
    const Llama2cConfig& config() const { return config_; }
    const std::vector<TensorView>& tensors() const override { return tensors_; }

    // True when the file starts like a llama2.c checkpoint (either layout) of plausible size.
    static bool sniff(const std::string& path);

private:
    std::shared_ptr<MappedFile> file_;
    Llama2cConfig config_;
    std::vector<TensorView> tensors_;
};

}  // namespace qforge
