#pragma once
// Picks the next token from logits with llama.cpp's sampler chain, in its order: repetition penalties (repeat,
// frequency, presence over the last repeat_last_n tokens), top-k, top-p (nucleus), min-p, temperature, then a
// draw from a seeded generator. At temperature <= 0 it is greedy after the penalties: the first maximum, as
// llama.cpp's greedy sampler. Each sequence has its own Sampler (its history and its generator).
#include <cstdint>
#include <deque>
#include <random>
#include <vector>

namespace qforge {

struct SamplerOptions {
    float temperature = 0.8f;
    std::int32_t top_k = 40;  // <= 0: all
    float top_p = 0.95f;      // >= 1: all
    float min_p = 0.05f;      // <= 0: off
    float repeat_penalty = 1.0f;     // 1: off
    float frequency_penalty = 0.0f;  // per occurrence
    float presence_penalty = 0.0f;   // once for any occurrence
    std::int32_t repeat_last_n = 64; // tokens the penalties look back over (0: none, -1: all)
    std::uint32_t seed = 0xFFFFFFFFu;  // 0xFFFFFFFF: random
};

class Sampler {
public:
    explicit Sampler(const SamplerOptions& options);
    // The next token; logits are not changed.
    std::int32_t sample(const float* logits, std::int64_t n_vocab);
    // Adds a token to the history the penalties look at (the prompt's and every generated token).
    void accept(std::int32_t token);
    const SamplerOptions& options() const { return o_; }

private:
    bool penalised() const;
    SamplerOptions o_;
    std::mt19937 rng_;
    std::deque<std::int32_t> history_;
    std::vector<float> adjusted_;
    std::vector<std::pair<float, std::int32_t>> candidates_;
};

}  // namespace qforge
