#include "runtime/sampler.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace qforge {

Sampler::Sampler(const SamplerOptions& options) : o_(options) {
    const std::uint32_t seed = o_.seed == 0xFFFFFFFFu ? std::random_device{}() : o_.seed;
    rng_.seed(seed);
}

bool Sampler::penalised() const {
    return o_.repeat_last_n != 0 && (o_.repeat_penalty != 1.0f || o_.frequency_penalty != 0.0f || o_.presence_penalty != 0.0f);
}

void Sampler::accept(std::int32_t token) {
    if (!penalised()) return;
    history_.push_back(token);
    if (o_.repeat_last_n > 0 && history_.size() > static_cast<std::size_t>(o_.repeat_last_n)) history_.pop_front();
}

std::int32_t Sampler::sample(const float* logits, std::int64_t n_vocab) {
    if (penalised() && !history_.empty()) {
        adjusted_.assign(logits, logits + n_vocab);
        std::unordered_map<std::int32_t, int> count;
        for (auto t : history_)
            if (t >= 0 && t < n_vocab) ++count[t];
        for (const auto& [t, n] : count) {
            float& l = adjusted_[static_cast<std::size_t>(t)];
            l = l <= 0 ? l * o_.repeat_penalty : l / o_.repeat_penalty;
            l -= static_cast<float>(n) * o_.frequency_penalty + o_.presence_penalty;
        }
        logits = adjusted_.data();
    }
    if (o_.temperature <= 0.0f) {
        std::int64_t best = 0;
        for (std::int64_t i = 1; i < n_vocab; ++i)
            if (logits[i] > logits[best]) best = i;
        return static_cast<std::int32_t>(best);
    }
    candidates_.clear();
    for (std::int64_t i = 0; i < n_vocab; ++i) candidates_.emplace_back(logits[i], static_cast<std::int32_t>(i));
    auto by_logit = [](const auto& a, const auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); };
    if (o_.top_k > 0 && static_cast<std::size_t>(o_.top_k) < candidates_.size()) {
        const auto keep = static_cast<std::size_t>(o_.top_k);
        std::partial_sort(candidates_.begin(), candidates_.begin() + static_cast<std::ptrdiff_t>(keep), candidates_.end(), by_logit);
        candidates_.resize(keep);
    } else {
        std::sort(candidates_.begin(), candidates_.end(), by_logit);
    }
    const float max = candidates_.front().first;
    if (o_.top_p < 1.0f) {
        // nucleus over the probabilities of the untempered logits, as llama.cpp's top-p
        double sum = 0.0;
        for (const auto& c : candidates_) sum += std::exp(static_cast<double>(c.first - max));
        double cum = 0.0;
        std::size_t n = 0;
        while (n < candidates_.size()) {
            cum += std::exp(static_cast<double>(candidates_[n++].first - max)) / sum;
            if (cum >= o_.top_p) break;
        }
        candidates_.resize(n);
    }
    if (o_.min_p > 0.0f) {
        // p >= min_p * p_max, as logit >= max + log(min_p)
        const float floor = max + std::log(o_.min_p);
        std::size_t n = 1;
        while (n < candidates_.size() && candidates_[n].first >= floor) ++n;
        candidates_.resize(n);
    }
    double total = 0.0;
    for (auto& c : candidates_) {
        c.first = static_cast<float>(std::exp(static_cast<double>(c.first - max) / o_.temperature));
        total += c.first;
    }
    std::uniform_real_distribution<double> dist(0.0, total);
    double r = dist(rng_);
    for (const auto& c : candidates_) {
        r -= c.first;
        if (r <= 0.0) return c.second;
    }
    return candidates_.back().second;
}

}  // namespace qforge
