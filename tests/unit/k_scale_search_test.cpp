// The k-quant scale searches with trial scales in AVX-512 lanes give the scalar loops' levels, scale and
// minimum bit for bit, on the groups and trial settings the quantizers use (Q2_K, Q4_K, Q5_K, their
// importance-weighted variants, Q4_1/Q5_1 with weights), including groups whose winner changes the minimum
// several times, all-zero, constant, one-sided and heavy-tailed groups. IQ4_NL / IQ4_XS's trials likewise give
// the scalar loop's blocks byte for byte.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "quant/codecs/iq4.h"
#include "quant/codecs/k_scale_search.h"
#include "quant/kernels/vec_dot.h"

namespace qforge {
namespace {

using kquant::SearchPath;

struct Trials {
    int n, nmax;
    float rmin, rdelta;
    int nstep;
    bool use_mad, v3;
};

std::vector<float> group(std::mt19937& rng, int n, int kind) {
    std::normal_distribution<float> normal;
    std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
    std::vector<float> x(static_cast<std::size_t>(n));
    for (auto& v : x) {
        switch (kind % 6) {
            case 0: v = normal(rng); break;
            case 1: v = uniform(rng) + 0.1f; break;                      // all positive: the minimum clamps to 0
            case 2: v = -uniform(rng); break;                            // all negative
            case 3: v = normal(rng) * std::pow(10.0f, normal(rng)); break;  // heavy tails
            case 4: v = 0.5f; break;                                     // constant
            default: v = uniform(rng) < 0.7f ? 0.0f : normal(rng); break;  // mostly zero
        }
    }
    if (kind == 6) std::fill(x.begin(), x.end(), 0.0f);
    return x;
}

TEST(KScaleSearch, LanesGiveTheScalarLoopsBits) {
    if (vec_dot_isa() != "avx512") GTEST_SKIP() << "no AVX-512 here: the scalar loop is the only one";
    const Trials settings[] = {
        {16, 3, -0.5f, 0.1f, 15, true, false},   // Q2_K
        {16, 3, -0.9f, 0.05f, 36, false, true},  // Q2_K with an importance matrix
        {32, 15, -1.0f, 0.1f, 20, false, false},  // Q4_K
        {32, 31, -0.5f, 0.1f, 15, false, false},  // Q5_K
        {32, 15, -0.9f, 0.05f, 36, false, true},  // Q4_K / Q4_1 weighted
        {32, 31, -0.9f, 0.05f, 36, false, true},  // Q5_K / Q5_1 weighted
        {32, 15, -1.0f, 0.1f, 0, false, false},   // no trials
    };
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> positive(0.01f, 2.0f);
    int groups = 0, moved_min = 0;
    for (const Trials& t : settings)
        for (int kind = 0; kind < 7; ++kind)
            for (int rep = 0; rep < 300; ++rep) {
                const std::vector<float> x = group(rng, t.n, kind);
                std::vector<float> w(x.size());
                for (auto& v : w) v = positive(rng);
                for (const float* weights : {static_cast<const float*>(nullptr), static_cast<const float*>(w.data())}) {
                    std::uint8_t La[32], Lb[32], aux[32];
                    float min_a = 0, min_b = 0;
                    auto run = [&](std::uint8_t* L, float* mn, SearchPath path) {
                        return t.v3 ? kquant::make_qkx3_quants(t.n, t.nmax, x.data(), weights, L, mn, aux, t.rmin, t.rdelta, t.nstep, t.use_mad, path)
                                    : kquant::make_qkx2_quants(t.n, t.nmax, x.data(), weights, L, mn, aux, t.rmin, t.rdelta, t.nstep, t.use_mad, path);
                    };
                    const float a = run(La, &min_a, SearchPath::Auto), b = run(Lb, &min_b, SearchPath::Scalar);
                    ASSERT_EQ(std::bit_cast<std::uint32_t>(a), std::bit_cast<std::uint32_t>(b)) << "scale, nmax " << t.nmax << " kind " << kind;
                    ASSERT_EQ(std::bit_cast<std::uint32_t>(min_a), std::bit_cast<std::uint32_t>(min_b)) << "min, nmax " << t.nmax << " kind " << kind;
                    for (int i = 0; i < t.n; ++i) ASSERT_EQ(La[i], Lb[i]) << "level " << i << ", nmax " << t.nmax << " kind " << kind;
                    ++groups;
                    // how often the best minimum is not the group's own (the trials after a winner rerun)
                    float lo = 0;
                    for (float v : x) lo = std::min(lo, v);
                    if (min_b != -lo) ++moved_min;
                }
            }
    EXPECT_GT(moved_min, groups / 4) << "the groups should exercise winners that move the minimum";
}

TEST(KScaleSearch, SymmetricTrialsInLanesGiveTheScalarLoopsBits) {
    if (vec_dot_isa() != "avx512") GTEST_SKIP() << "no AVX-512 here: the scalar loop is the only one";
    std::mt19937 rng(11);
    std::uniform_real_distribution<float> positive(0.01f, 2.0f);
    int groups = 0;
    for (const auto& [n, nmax] : {std::pair{16, 32}, std::pair{16, 4}, std::pair{32, 8}, std::pair{32, 16}, std::pair{16, 32}})
        for (int kind = 0; kind < 7; ++kind)
            for (int rep = 0; rep < 300; ++rep) {
                const std::vector<float> x = group(rng, n, kind);
                std::vector<float> w(x.size());
                for (auto& v : w) v = positive(rng);
                for (const float* qw : {static_cast<const float*>(nullptr), static_cast<const float*>(w.data())}) {
                    std::int8_t La[32], Lb[32];
                    const float a = kquant::make_qx_quants(n, nmax, x.data(), La, 1, qw, SearchPath::Auto);
                    const float b = kquant::make_qx_quants(n, nmax, x.data(), Lb, 1, qw, SearchPath::Scalar);
                    ASSERT_EQ(std::bit_cast<std::uint32_t>(a), std::bit_cast<std::uint32_t>(b)) << "scale, nmax " << nmax << " kind " << kind;
                    for (int i = 0; i < n; ++i) ASSERT_EQ(La[i], Lb[i]) << "level " << i << ", nmax " << nmax << " kind " << kind;
                    ++groups;
                }
            }
    EXPECT_EQ(groups, 5 * 7 * 300 * 2);
}

TEST(KScaleSearch, Iq4TrialsInLanesGiveTheScalarLoopsBytes) {
    if (vec_dot_isa() != "avx512") GTEST_SKIP() << "no AVX-512 here: the scalar loop is the only one";
    std::mt19937 rng(5);
    std::uniform_real_distribution<float> positive(0.01f, 2.0f);
    constexpr int kRow = 256 * 8;
    for (int kind = 0; kind < 7; ++kind)
        for (int rep = 0; rep < 20; ++rep) {
            std::vector<float> x;
            for (int g = 0; g < kRow / 32; ++g) {
                const std::vector<float> part = group(rng, 32, (kind + g) % 7);  // mixed groups within a super-block
                x.insert(x.end(), part.begin(), part.end());
            }
            std::vector<float> w(x.size());
            for (auto& v : w) v = positive(rng);
            for (const float* importance : {static_cast<const float*>(nullptr), static_cast<const float*>(w.data())}) {
                std::vector<BlockIQ4_XS> a(kRow / 256), b(kRow / 256);
                quantize_row_iq4_xs(x.data(), a.data(), kRow, importance);
                quantize_row_iq4_xs_scalar(x.data(), b.data(), kRow, importance);
                ASSERT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(BlockIQ4_XS)), 0) << "IQ4_XS, kind " << kind;
                std::vector<BlockIQ4_NL> c(kRow / 32), d(kRow / 32);
                quantize_row_iq4_nl(x.data(), c.data(), kRow, importance);
                quantize_row_iq4_nl_scalar(x.data(), d.data(), kRow, importance);
                ASSERT_EQ(std::memcmp(c.data(), d.data(), c.size() * sizeof(BlockIQ4_NL)), 0) << "IQ4_NL, kind " << kind;
            }
        }
}

}  // namespace
}  // namespace qforge
