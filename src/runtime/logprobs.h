#pragma once
// Log-probabilities from a row of logits, as OpenAI's API reports them: log-softmax of the model's raw logits
// (before any sampler changes them), the chosen token's and the n most likely ones'.
#include <cstdint>
#include <utility>
#include <vector>

namespace qforge {

struct TokenLogprob {
    std::int32_t token = -1;
    float logprob = 0.0f;
    std::vector<std::pair<std::int32_t, float>> top;  // most likely first (ties: lower id first)
};

// log(sum(exp(logits))) computed stably.
double log_sum_exp(const float* logits, std::int64_t n_vocab);
TokenLogprob token_logprob(const float* logits, std::int64_t n_vocab, std::int32_t token, int n_top);

}  // namespace qforge
