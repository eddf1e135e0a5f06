#include "runtime/logprobs.h"

#include <algorithm>
#include <cmath>

namespace qforge {

double log_sum_exp(const float* logits, std::int64_t n) {
    float max = logits[0];
    for (std::int64_t i = 1; i < n; ++i) max = std::max(max, logits[i]);
    double sum = 0.0;
    for (std::int64_t i = 0; i < n; ++i) sum += std::exp(static_cast<double>(logits[i] - max));
    return static_cast<double>(max) + std::log(sum);
}

TokenLogprob token_logprob(const float* logits, std::int64_t n, std::int32_t token, int n_top) {
    const double lse = log_sum_exp(logits, n);
    TokenLogprob r;
    r.token = token;
    r.logprob = static_cast<float>(static_cast<double>(logits[token]) - lse);
    if (n_top > 0) {
        const auto k = static_cast<std::size_t>(std::min<std::int64_t>(n_top, n));
        std::vector<std::int32_t> ids(static_cast<std::size_t>(n));
        for (std::int64_t i = 0; i < n; ++i) ids[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(i);
        std::partial_sort(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(k), ids.end(),
                          [&](std::int32_t a, std::int32_t b) { return logits[a] > logits[b] || (logits[a] == logits[b] && a < b); });
        for (std::size_t i = 0; i < k; ++i) r.top.emplace_back(ids[i], static_cast<float>(static_cast<double>(logits[ids[i]]) - lse));
    }
    return r;
}

}  // namespace qforge
