#include "runtime/sampler.h"

#include <algorithm>
#include <cmath>

namespace qforge {

Sampler::Sampler(const SamplerOptions& options) : o_(options) {
    const std::uint32_t seed = o_.seed == 0xFFFFFFFFu ? std::random_device{}() : o_.seed;
    rng_.seed(seed);
}

std::int32_t Sampler::sample(const float* logits, std::int64_t n_vocab) {
    if (o_.temperature <= 0.0f) {
        std::int64_t best = 0;
        for (std::int64_t i = 1; i < n_vocab; ++i)
            if (logits[i] > logits[best]) best = i;
        return static_cast<std::int32_t>(best);
    }
    candidates_.clear();
    for (std::int64_t i = 0; i < n_vocab; ++i) candidates_.emplace_back(logits[i], static_cast<std::int32_t>(i));
    auto by_logit = [](const auto& a, const auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); };
    std::size_t keep = candidates_.size();
    if (o_.top_k > 0 && static_cast<std::size_t>(o_.top_k) < keep) {
        keep = static_cast<std::size_t>(o_.top_k);
        std::partial_sort(candidates_.begin(), candidates_.begin() + static_cast<std::ptrdiff_t>(keep), candidates_.end(), by_logit);
        candidates_.resize(keep);
    } else {
        std::sort(candidates_.begin(), candidates_.end(), by_logit);
    }
    // softmax at the temperature, in place of the logits
    const float max = candidates_.front().first;
    double sum = 0.0;
    for (auto& c : candidates_) {
        c.first = std::exp((c.first - max) / o_.temperature);
        sum += c.first;
    }
    for (auto& c : candidates_) c.first = static_cast<float>(c.first / sum);
    if (o_.top_p < 1.0f) {
        double cum = 0.0;
        std::size_t n = 0;
        while (n < candidates_.size()) {
            cum += candidates_[n++].first;
            if (cum >= o_.top_p) break;
        }
        candidates_.resize(n);
    }
    double total = 0.0;
    for (const auto& c : candidates_) total += c.first;
    std::uniform_real_distribution<double> dist(0.0, total);
    double r = dist(rng_);
    for (const auto& c : candidates_) {
        r -= c.first;
        if (r <= 0.0) return c.second;
    }
    return candidates_.back().second;
}

}  // namespace qforge
