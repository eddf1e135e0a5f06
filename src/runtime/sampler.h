#pragma once
// Picks the next token from logits: greedy at temperature 0 (the first maximum, as llama.cpp's greedy
// sampler), otherwise top-k, then temperature, then top-p (nucleus), then a draw from a seeded generator.
#include <cstdint>
#include <random>
#include <vector>

namespace qforge {

struct SamplerOptions {
    float temperature = 0.8f;
    std::int32_t top_k = 40;  // <= 0: all
    float top_p = 0.95f;      // >= 1: all
    std::uint32_t seed = 0xFFFFFFFFu;  // 0xFFFFFFFF: random
};

class Sampler {
public:
    explicit Sampler(const SamplerOptions& options);
    std::int32_t sample(const float* logits, std::int64_t n_vocab);

private:
    SamplerOptions o_;
    std::mt19937 rng_;
    std::vector<std::pair<float, std::int32_t>> candidates_;
};

}  // namespace qforge
