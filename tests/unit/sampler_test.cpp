// The sampler chain in llama.cpp's order: penalties change what greedy picks, top-k / top-p / min-p leave only
// the tokens they keep, a seed repeats its draws, and logprobs are a log-softmax of the raw logits.
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <vector>

#include "runtime/logprobs.h"
#include "runtime/sampler.h"

namespace qforge {
namespace {

TEST(Sampler, GreedyTakesTheFirstMaximumAfterThePenalties) {
    const std::vector<float> logits = {1.0f, 3.0f, 3.0f, 2.5f};
    SamplerOptions o;
    o.temperature = 0.0f;
    Sampler plain(o);
    EXPECT_EQ(plain.sample(logits.data(), 4), 1);
    o.repeat_penalty = 2.0f;  // 3 / 2 = 1.5 < 2.5
    Sampler penalised(o);
    penalised.accept(1);
    penalised.accept(2);
    EXPECT_EQ(penalised.sample(logits.data(), 4), 3);
    SamplerOptions p;
    p.temperature = 0.0f;
    p.presence_penalty = 0.4f;
    p.frequency_penalty = 0.2f;
    Sampler presence(p);
    presence.accept(1);  // 3 - 0.6
    EXPECT_EQ(presence.sample(logits.data(), 4), 2);
    presence.accept(2);
    presence.accept(2);  // 3 - 0.8
    EXPECT_EQ(presence.sample(logits.data(), 4), 3);
}

std::set<std::int32_t> drawn(const SamplerOptions& o, const std::vector<float>& logits, int n) {
    Sampler s(o);
    std::set<std::int32_t> seen;
    for (int i = 0; i < n; ++i) seen.insert(s.sample(logits.data(), static_cast<std::int64_t>(logits.size())));
    return seen;
}

TEST(Sampler, TopKTopPAndMinPKeepOnlyTheirTokens) {
    // probabilities about 0.50, 0.30, 0.15, 0.05
    const std::vector<float> logits = {std::log(0.50f), std::log(0.30f), std::log(0.15f), std::log(0.05f)};
    SamplerOptions o;
    o.temperature = 1.0f;
    o.top_p = 1.0f;
    o.min_p = 0.0f;
    o.seed = 7;
    o.top_k = 2;
    EXPECT_EQ(drawn(o, logits, 400), (std::set<std::int32_t>{0, 1}));
    o.top_k = 0;
    o.top_p = 0.79f;  // 0.5 + 0.3 reaches it
    EXPECT_EQ(drawn(o, logits, 400), (std::set<std::int32_t>{0, 1}));
    o.top_p = 1.0f;
    o.min_p = 0.2f;  // >= 0.1
    EXPECT_EQ(drawn(o, logits, 400), (std::set<std::int32_t>{0, 1, 2}));
    o.min_p = 0.0f;
    EXPECT_EQ(drawn(o, logits, 2000), (std::set<std::int32_t>{0, 1, 2, 3}));
}

TEST(Sampler, ASeedRepeatsItsDraws) {
    std::vector<float> logits(100);
    for (std::size_t i = 0; i < logits.size(); ++i) logits[i] = std::sin(static_cast<float>(i));
    SamplerOptions o;
    o.temperature = 1.5f;
    o.top_k = 0;
    o.top_p = 1.0f;
    o.min_p = 0.0f;
    o.seed = 42;
    Sampler a(o), b(o);
    for (int i = 0; i < 50; ++i) EXPECT_EQ(a.sample(logits.data(), 100), b.sample(logits.data(), 100));
}

TEST(Logprobs, AreALogSoftmaxOfTheRawLogits) {
    const std::vector<float> logits = {2.0f, 1.0f, 0.5f, 2.0f};
    const TokenLogprob r = token_logprob(logits.data(), 4, 1, 3);
    double z = 0;
    for (float l : logits) z += std::exp(static_cast<double>(l));
    EXPECT_NEAR(r.logprob, 1.0 - std::log(z), 1e-6);
    ASSERT_EQ(r.top.size(), 3u);
    EXPECT_EQ(r.top[0].first, 0);  // ties: lower id first
    EXPECT_EQ(r.top[1].first, 3);
    EXPECT_EQ(r.top[2].first, 1);
    EXPECT_NEAR(r.top[0].second, 2.0 - std::log(z), 1e-6);
}

}  // namespace
}  // namespace qforge
