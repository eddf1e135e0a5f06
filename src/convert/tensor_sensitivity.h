#pragma once
// How much the model's output moves when one tensor is quantized: the mean KL-divergence, over calibration
// tokens, between the next-token distributions of the model as it is and of the model with that one tensor
// replaced by its quantized bytes. The unchanged model runs once (its every layer's inputs and its
// log-probabilities kept); a probe of a tensor in layer l reruns only layers l.. and the output head from the
// kept inputs, on the kernels the engine runs the quantized type with. The base pass can also collect an
// importance matrix (every weight's inputs, the output head's included).
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/tensor_view.h"
#include "core/thread_pool.h"
#include "model/llama_model.h"
#include "quant/methods/imatrix_collector.h"

namespace qforge {

class TensorSensitivity {
public:
    // samples: token sequences of equal length (the first token BOS). collector: fed by the base pass if given.
    TensorSensitivity(const LlamaModel& model, const std::vector<std::vector<std::int32_t>>& samples, ThreadPool& pool,
                      ImatrixCollector* collector = nullptr);

    // Mean KL-divergence per token with the model's tensor `name` (a block linear, token_embd.weight or
    // output.weight) replaced by `replacement` (same name and shape, any type the engine runs).
    double kl_divergence(const TensorView& replacement);
    std::int64_t tokens() const { return n_samples_ * T_; }

private:
    void run_layers(std::int64_t first, float* x, const LayerWeights* replaced_layer);
    double head_kld(std::size_t sample, const float* x, const LinearWeight& output);

    const LlamaModel& model_;
    ThreadPool& pool_;
    const std::vector<std::vector<std::int32_t>>& samples_;
    std::int64_t n_samples_, T_, E_, V_;
    SingleSequenceBatch batch_;
    std::vector<float> rope_;
    KvPool cache_;
    ForwardScratch scratch_;
    MatmulScratch head_scratch_;
    std::vector<std::vector<float>> inputs_;  // [layer][sample * T * E]: every layer's inputs; [n_layer]: the last outputs
    std::vector<float> base_logp_;            // [sample][token][vocab]
    std::vector<float> x_, xn_, logits_;
};

}  // namespace qforge
