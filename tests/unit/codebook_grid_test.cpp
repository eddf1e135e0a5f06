// CodebookGrid: GPTQ's rounding of 8 columns onto a codebook block whose scales are fixed. Each group written
// decodes (ggml's dequantizer, iq_dequant) to exactly the values round_group returned, the scales the type's
// quantizer chose stay as they were, and the choice is the cheapest the format allows: an independent brute
// force over every codebook point and every storable sign pattern (or IQ1 shift) finds nothing cheaper.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "core/error.h"
#include "core/float_convert.h"
#include "quant/codecs/codec_table.h"
#include "quant/codecs/iq_dequant.h"
#include "quant/codecs/iq_grids.h"
#include "quant/methods/codebook_grid.h"

namespace qforge {
namespace {

constexpr int kQK = 256;

std::vector<float> values(unsigned seed, int n, float spread) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> g(0.0f, spread);
    std::vector<float> v(static_cast<std::size_t>(n));
    for (auto& x : v) x = g(rng);
    return v;
}

double cost(const float* x, const float* w, const float* q, int n) {
    double c = 0;
    for (int i = 0; i < n; ++i) c += static_cast<double>(w[i]) * (x[i] - q[i]) * (x[i] - q[i]);
    return c;
}

std::uint8_t byte_of(std::uint64_t e, int j) { return static_cast<std::uint8_t>(e >> (8 * j)); }

// Scale of group g as the dequantizer derives it, from the block's stored fields.
float group_scale(TensorType t, const std::uint8_t* block, int g) {
    const int ib = g / 4, l = g % 4;
    switch (t) {
        case TensorType::IQ2_XXS: {
            BlockIQ2_XXS b;
            std::memcpy(&b, block, sizeof(b));
            std::uint32_t aux[2];
            std::memcpy(aux, b.qs + 4 * ib, sizeof(aux));
            return fp16_to_fp32(b.d) * (0.5f + static_cast<float>(aux[1] >> 28)) * 0.25f;
        }
        case TensorType::IQ2_XS:
        case TensorType::IQ2_S: {
            std::uint16_t d;
            std::memcpy(&d, block, 2);
            const std::uint8_t sc = t == TensorType::IQ2_XS ? reinterpret_cast<const BlockIQ2_XS*>(block)->scales[ib]
                                                            : reinterpret_cast<const BlockIQ2_S*>(block)->scales[ib];
            return fp16_to_fp32(d) * (0.5f + static_cast<float>(l < 2 ? sc & 0xF : sc >> 4)) * 0.25f;
        }
        case TensorType::IQ3_XXS: {
            BlockIQ3_XXS b;
            std::memcpy(&b, block, sizeof(b));
            std::uint32_t aux;
            std::memcpy(&aux, b.qs + 64 + 4 * ib, 4);
            return fp16_to_fp32(b.d) * (0.5f + static_cast<float>(aux >> 28)) * 0.5f;
        }
        case TensorType::IQ3_S: {
            BlockIQ3_S b;
            std::memcpy(&b, block, sizeof(b));
            const int sc = ib % 2 == 0 ? b.scales[ib / 2] & 0xF : b.scales[ib / 2] >> 4;
            return fp16_to_fp32(b.d) * static_cast<float>(1 + 2 * sc);
        }
        case TensorType::IQ1_S: {
            BlockIQ1_S b;
            std::memcpy(&b, block, sizeof(b));
            return fp16_to_fp32(b.d) * static_cast<float>(2 * ((b.qh[ib] >> 12) & 7) + 1);
        }
        default: {
            BlockIQ1_M b;
            std::memcpy(&b, block, sizeof(b));
            std::uint16_t sc[4];
            std::memcpy(sc, b.scales, sizeof(sc));
            const auto bits = static_cast<std::uint16_t>((sc[0] >> 12) | ((sc[1] >> 8) & 0x00f0) | ((sc[2] >> 4) & 0x0f00) | (sc[3] & 0xf000));
            return fp16_to_fp32(bits) * static_cast<float>(2 * ((sc[ib / 2] >> (6 * (ib % 2) + 3 * (l / 2))) & 7) + 1);
        }
    }
}

// The least cost any storable group has at scale s: every sign pattern the type stores (all 256, or the 128 with
// an even count of minus signs), each 4- or 8-coordinate part at its best codebook point for those signs; IQ1:
// every point, with the block's shift (IQ1_S) or either shift (IQ1_M).
double brute_force(TensorType t, const std::uint8_t* block, int g, const float* x, const float* w, float s) {
    double best = INFINITY;
    if (t == TensorType::IQ1_S || t == TensorType::IQ1_M) {
        std::vector<float> deltas = {0.125f, -0.125f};
        if (t == TensorType::IQ1_S) {
            const std::uint16_t qh = reinterpret_cast<const BlockIQ1_S*>(block)->qh[g / 4];
            deltas = {qh & 0x8000 ? -0.125f : 0.125f};
        }
        for (float delta : deltas)
            for (std::uint64_t e : iq_grids::kIq1s) {
                float q[8];
                for (int j = 0; j < 8; ++j) q[j] = s * (static_cast<float>(static_cast<std::int8_t>(byte_of(e, j))) + delta);
                best = std::min(best, cost(x, w, q, 8));
            }
        return best;
    }
    const bool even = t == TensorType::IQ2_XXS || t == TensorType::IQ2_XS || t == TensorType::IQ3_XXS;
    std::vector<std::uint64_t> grid;
    int dims = 8;
    switch (t) {
        case TensorType::IQ2_XXS: grid.assign(std::begin(iq_grids::kIq2xxs), std::end(iq_grids::kIq2xxs)); break;
        case TensorType::IQ2_XS: grid.assign(std::begin(iq_grids::kIq2xs), std::end(iq_grids::kIq2xs)); break;
        case TensorType::IQ2_S: grid.assign(std::begin(iq_grids::kIq2s), std::end(iq_grids::kIq2s)); break;
        case TensorType::IQ3_XXS: grid.assign(std::begin(iq_grids::kIq3xxs), std::end(iq_grids::kIq3xxs)); dims = 4; break;
        default: grid.assign(std::begin(iq_grids::kIq3s), std::end(iq_grids::kIq3s)); dims = 4; break;
    }
    for (int signs = 0; signs < 256; ++signs) {
        if (even && std::popcount(static_cast<unsigned>(signs)) % 2 != 0) continue;
        double total = 0;
        for (int part = 0; part < 8; part += dims) {
            double part_best = INFINITY;
            for (std::uint64_t e : grid) {
                float q[8];
                for (int j = 0; j < dims; ++j) q[j] = s * static_cast<float>(byte_of(e, j)) * ((signs >> (part + j)) & 1 ? -1.f : 1.f);
                part_best = std::min(part_best, cost(x + part, w + part, q, dims));
            }
            total += part_best;
        }
        best = std::min(best, total);
    }
    return best;
}

class CodebookGridTest : public ::testing::TestWithParam<TensorType> {};

TEST_P(CodebookGridTest, GroupsDecodeToWhatWasChosenAndNoStorableGroupIsCheaper) {
    const TensorType type = GetParam();
    const CodebookGrid grid(type);
    const std::size_t bytes = traits(type).type_size;
    const std::vector<float> x = values(3, kQK, 0.02f);
    std::vector<float> importance = values(4, kQK, 1.0f);
    for (auto& v : importance) v = v * v + 0.01f;
    std::vector<std::uint8_t> block(bytes);
    grid.fix(x.data(), importance.data(), block.data());
    std::vector<float> before(kQK);
    dequantize_row(type, block.data(), before.data(), kQK);
    float scales[32];
    for (int g = 0; g < 32; ++g) scales[g] = group_scale(type, block.data(), g);

    // the values GPTQ's updates have moved them to, and per-column weights spanning two orders of magnitude
    std::vector<float> moved = values(5, kQK, 0.01f), weight = values(6, kQK, 1.0f);
    for (int i = 0; i < kQK; ++i) {
        moved[static_cast<std::size_t>(i)] += x[static_cast<std::size_t>(i)];
        weight[static_cast<std::size_t>(i)] = 0.1f + 10 * std::fabs(weight[static_cast<std::size_t>(i)]);
    }
    std::vector<float> chosen(kQK);
    for (int g = 0; g < 32; ++g) {
        grid.round_group(block.data(), g, moved.data() + 8 * g, weight.data() + 8 * g, nullptr, chosen.data() + 8 * g);
        EXPECT_EQ(group_scale(type, block.data(), g), scales[g]) << "group " << g << " changed its scale";
        // the fixed block's own values for this group are storable too: never cheaper than the choice
        const double c = cost(moved.data() + 8 * g, weight.data() + 8 * g, chosen.data() + 8 * g, 8);
        EXPECT_LE(c, cost(moved.data() + 8 * g, weight.data() + 8 * g, before.data() + 8 * g, 8) * (1 + 1e-6)) << "group " << g;
        if (g % 5 == 0) {
            const double brute = brute_force(type, block.data(), g, moved.data() + 8 * g, weight.data() + 8 * g, scales[g]);
            EXPECT_NEAR(c, brute, 1e-6 * brute + 1e-12) << type_name(type) << " group " << g;
        }
    }
    std::vector<float> read(kQK);
    dequantize_row(type, block.data(), read.data(), kQK);
    EXPECT_EQ(read, chosen);
}

// With GPTQ's metric (a lower triangular L, the loss |L (x - q)|^2), the choice is never worse under that loss than
// the weighted-squares choice, which is among the candidates it compares; and it still decodes to what it returned.
TEST_P(CodebookGridTest, UnderAMetricTheChoiceIsNoWorseThanTheDiagonalOne) {
    const TensorType type = GetParam();
    const CodebookGrid grid(type);
    const std::vector<float> x = values(7, kQK, 0.02f);
    std::vector<float> importance(kQK, 1.0f);
    std::vector<std::uint8_t> block(traits(type).type_size);
    grid.fix(x.data(), importance.data(), block.data());
    // a metric with strong off-diagonal terms, and its diagonal (sum over i of L_ik^2) as the ranking weights
    const std::vector<float> raw = values(8, 64, 1.0f);
    float L[64] = {}, weight[8] = {};
    for (int i = 0; i < 8; ++i)
        for (int k = 0; k <= i; ++k) {
            L[i * 8 + k] = k == i ? 2.0f + std::fabs(raw[static_cast<std::size_t>(i * 8 + k)]) : raw[static_cast<std::size_t>(i * 8 + k)];
            weight[k] += L[i * 8 + k] * L[i * 8 + k];
        }
    auto loss = [&](const float* xg, const float* q) {
        double t = 0;
        for (int i = 0; i < 8; ++i) {
            double r = 0;
            for (int k = 0; k <= i; ++k) r += static_cast<double>(L[i * 8 + k]) * (xg[k] - q[k]);
            t += r * r;
        }
        return t;
    };
    const std::vector<float> moved = values(9, kQK, 0.03f);
    int better = 0;  // groups where the metric picked a different, strictly better candidate (it is not ignored)
    for (int g = 0; g < 32; ++g) {
        const float* xg = moved.data() + 8 * g;
        std::vector<std::uint8_t> plain = block;
        float diagonal_choice[8], metric_choice[8], read[kQK];
        grid.round_group(plain.data(), g, xg, weight, nullptr, diagonal_choice);
        grid.round_group(block.data(), g, xg, weight, L, metric_choice);
        EXPECT_LE(loss(xg, metric_choice), loss(xg, diagonal_choice) * (1 + 1e-5)) << type_name(type) << " group " << g;
        if (loss(xg, metric_choice) < loss(xg, diagonal_choice) * (1 - 1e-5)) ++better;
        dequantize_row(type, block.data(), read, kQK);
        for (int i = 0; i < 8; ++i) EXPECT_EQ(read[8 * g + i], metric_choice[i]);
    }
    EXPECT_GT(better, 0) << type_name(type);
}

INSTANTIATE_TEST_SUITE_P(Types, CodebookGridTest,
                         ::testing::Values(TensorType::IQ2_XXS, TensorType::IQ2_XS, TensorType::IQ2_S, TensorType::IQ3_XXS,
                                           TensorType::IQ3_S, TensorType::IQ1_S, TensorType::IQ1_M),
                         [](const auto& info) { return std::string(type_name(info.param)); });

TEST(CodebookGrid, RefusesOtherTypesAndGroupsOutsideTheBlock) {
    EXPECT_THROW(CodebookGrid{TensorType::Q4_K}, Error);
    EXPECT_FALSE(CodebookGrid::supports(TensorType::IQ4_XS));
    const CodebookGrid grid(TensorType::IQ2_S);
    std::vector<std::uint8_t> block(traits(TensorType::IQ2_S).type_size);
    float x[8] = {}, w[8] = {1, 1, 1, 1, 1, 1, 1, 1}, out[8];
    EXPECT_THROW(grid.round_group(block.data(), 32, x, w, nullptr, out), Error);
}

}  // namespace
}  // namespace qforge
