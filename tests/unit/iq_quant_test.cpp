// The codebook quantizers on their own: the search lattices llama.cpp builds (every codebook point found at its
// index, neighbour lists exactly the points at the few smallest distances), and quantize -> dequantize on random
// rows: errors in the order of the types' bits, zeros stay zeros, and the three types that need an imatrix say
// so. Byte-identity with llama-quantize is integration/iquant_quantize_test.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <vector>

#include "core/error.h"
#include "core/tensor_type.h"
#include "quant/codecs/codec_table.h"
#include "quant/codecs/iq_lattice.h"

namespace qforge {
namespace {

const TensorType kTypes[] = {TensorType::IQ1_S,   TensorType::IQ1_M, TensorType::IQ2_XXS, TensorType::IQ2_XS,
                             TensorType::IQ2_S,   TensorType::IQ3_XXS, TensorType::IQ3_S};

int distance2(const IqLattice& lat, int point, const std::vector<std::int8_t>& levels) {
    int d = 0;
    for (int j = 0; j < lat.dims(); ++j) {
        const int diff = lat.point(point)[j] - (2 * levels[j] + 1);
        d += diff * diff;
    }
    return d;
}

TEST(IqLattice, CodebookPointsMapToThemselves) {
    for (TensorType t : kTypes) {
        const IqLattice& lat = IqLattice::of(t);
        std::vector<std::int8_t> levels(static_cast<std::size_t>(lat.dims()));
        for (int i = 0; i < lat.size(); ++i) {
            for (int j = 0; j < lat.dims(); ++j) levels[j] = static_cast<std::int8_t>((lat.point(i)[j] - 1) / 2);
            ASSERT_EQ(lat.find(levels.data()), i) << type_name(t);
        }
    }
}

// ggml keeps, for a point off the codebook, every codebook point at one of the n smallest distinct squared
// distances (n = 1 for IQ2_S, 2 for IQ2_XXS/IQ2_XS/IQ3_XXS, 3 for IQ3_S and IQ1), nearest first, ties by index.
TEST(IqLattice, NeighboursAreTheNearestPointsInOrder) {
    const std::pair<TensorType, int> cases[] = {{TensorType::IQ2_XXS, 2}, {TensorType::IQ2_XS, 2}, {TensorType::IQ2_S, 1},
                                                {TensorType::IQ3_XXS, 2}, {TensorType::IQ3_S, 3},  {TensorType::IQ1_S, 3}};
    std::mt19937 rng(7);
    for (const auto& [t, n] : cases) {
        const IqLattice& lat = IqLattice::of(t);
        const int top = t == TensorType::IQ3_XXS || t == TensorType::IQ3_S ? 7 : 2;
        std::vector<std::int8_t> levels(static_cast<std::size_t>(lat.dims()));
        int checked = 0;
        while (checked < 200) {
            for (auto& l : levels) l = static_cast<std::int8_t>(rng() % (top + 1));
            if (lat.find(levels.data()) >= 0) continue;
            std::set<int> distinct;
            for (int i = 0; i < lat.size(); ++i) distinct.insert(distance2(lat, i, levels));
            const int limit = *std::next(distinct.begin(), std::min<int>(n, static_cast<int>(distinct.size())) - 1);
            std::vector<std::pair<int, int>> expected;
            for (int i = 0; i < lat.size(); ++i)
                if (distance2(lat, i, levels) <= limit) expected.emplace_back(distance2(lat, i, levels), i);
            std::sort(expected.begin(), expected.end());
            const auto got = lat.neighbours(levels.data());
            ASSERT_EQ(got.size(), expected.size()) << type_name(t);
            for (std::size_t k = 0; k < got.size(); ++k) ASSERT_EQ(got[k], expected[k].second) << type_name(t);
            ++checked;
        }
    }
}

struct RoundTrip {
    double rel_rmse;
    std::vector<float> y;
};

RoundTrip round_trip(TensorType t, const std::vector<float>& x, const std::vector<float>* importance) {
    const std::int64_t n = static_cast<std::int64_t>(x.size());
    std::vector<std::uint8_t> q(static_cast<std::size_t>(n / traits(t).block_size * traits(t).type_size));
    quantize_row(t, x.data(), q.data(), n, importance ? importance->data() : nullptr);
    RoundTrip r{0, std::vector<float>(x.size())};
    dequantize_row(t, q.data(), r.y.data(), n);
    double err = 0, ref = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        err += (x[i] - r.y[i]) * (x[i] - r.y[i]);
        ref += x[i] * x[i];
    }
    r.rel_rmse = std::sqrt(err / ref);
    return r;
}

TEST(IqQuant, ErrorFollowsTheBits) {
    std::mt19937 rng(11);
    std::normal_distribution<float> normal(0.f, 0.02f);
    std::uniform_real_distribution<float> uniform(0.1f, 2.f);
    std::vector<float> x(4096), importance(4096);
    for (auto& v : x) v = normal(rng);
    for (auto& v : importance) v = uniform(rng);
    // bits per weight: IQ1_S 1.56, IQ1_M 1.75, IQ2_XXS 2.06, IQ2_XS 2.31, IQ2_S 2.56, IQ3_XXS 3.06, IQ3_S 3.44
    double previous = 1.0;
    for (TensorType t : kTypes) {
        const double e = round_trip(t, x, &importance).rel_rmse;
        SCOPED_TRACE(type_name(t));
        EXPECT_LT(e, previous);
        EXPECT_GT(e, 0.05);  // a codebook of a few bits cannot be exact on Gaussian weights
        previous = e;
    }
    EXPECT_LT(previous, 0.25);  // IQ3_S: about 0.2 relative RMSE on Gaussian weights
}

TEST(IqQuant, ZerosStayZeros) {
    const std::vector<float> x(512, 0.f), importance(512, 1.f);
    for (TensorType t : kTypes) {
        const auto r = round_trip(t, x, &importance);
        for (float v : r.y) ASSERT_EQ(v, 0.f) << type_name(t);
    }
}

TEST(IqQuant, TypesWithoutAFallbackWeightingNeedImportance) {
    const std::vector<float> x(256, 0.5f);
    for (TensorType t : {TensorType::IQ2_XXS, TensorType::IQ2_XS, TensorType::IQ1_S}) {
        std::vector<std::uint8_t> q(traits(t).type_size);
        EXPECT_THROW(quantize_row(t, x.data(), q.data(), 256, nullptr), Error) << type_name(t);
    }
    for (TensorType t : {TensorType::IQ2_S, TensorType::IQ3_XXS, TensorType::IQ3_S, TensorType::IQ1_M}) {
        std::mt19937 rng(3);
        std::normal_distribution<float> normal(0.f, 1.f);
        std::vector<float> g(256);
        for (auto& v : g) v = normal(rng);
        EXPECT_LT(round_trip(t, g, nullptr).rel_rmse, 0.7) << type_name(t);
    }
}

}  // namespace
}  // namespace qforge
