// The codebook types' readers, on hand-built blocks: grid lookup, the eighth sign bit from parity, the
// sub-block scale formulas, and IQ1_M's fp16 scale spread over the top bits of its four scale words. (Whole
// llama.cpp files in every one of these types were also checked against llama-perplexity; see the notes.)
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "core/float_convert.h"
#include "quant/codecs/codec_table.h"
#include "quant/codecs/iq_dequant.h"
#include "quant/codecs/iq_grids.h"

namespace qforge {
namespace {

float grid_value(std::uint64_t entry, int j) { return static_cast<float>(static_cast<std::uint8_t>(entry >> (8 * j))); }

TEST(IqDequant, SignByteCompletesEvenParity) {
    EXPECT_EQ(iq_signs(0), 0);
    EXPECT_EQ(iq_signs(1), 0x81);
    EXPECT_EQ(iq_signs(3), 0x03);
    EXPECT_EQ(iq_signs(127), 0xFF);
}

TEST(IqDequant, Iq2XxsGridSignsAndScale) {
    BlockIQ2_XXS b{};
    b.d = fp32_to_fp16(1.0f);
    const std::uint32_t aux0 = 0x03020100;            // grid indices 0, 1, 2, 3 for the first 32 weights
    const std::uint32_t aux1 = (15u << 28) | 1u;      // scale 15; group 0 signs 0b0000001 (+ parity bit 7)
    std::memcpy(b.qs, &aux0, 4);
    std::memcpy(b.qs + 2, &aux1, 4);
    std::vector<float> y(256);
    dequantize_row(TensorType::IQ2_XXS, &b, y.data(), 256);
    const float db = (0.5f + 15.0f) * 0.25f;
    for (int j = 0; j < 8; ++j) {
        const float sign = (j == 0 || j == 7) ? -1.0f : 1.0f;
        EXPECT_EQ(y[j], db * grid_value(iq_grids::kIq2xxs[0], j) * sign) << j;
        EXPECT_EQ(y[8 + j], db * grid_value(iq_grids::kIq2xxs[1], j)) << j;
        EXPECT_EQ(y[24 + j], db * grid_value(iq_grids::kIq2xxs[3], j)) << j;
    }
    // the other sub-blocks have scale 0: 0.5 * 0.25 of grid 0
    EXPECT_EQ(y[32], 0.125f * grid_value(iq_grids::kIq2xxs[0], 0));
}

TEST(IqDequant, Iq3SNinthIndexBitAndOddScales) {
    BlockIQ3_S b{};
    b.d = fp32_to_fp16(0.5f);
    b.qs[0] = 7;
    b.qh[0] = 1;         // ninth bit of the first index: grid entry 256 + 7
    b.scales[0] = 0x23;  // sub-block 0 scale 3 (x 2 + 1 = 7), sub-block 1 scale 2 (5)
    b.signs[0] = 0x01;
    std::vector<float> y(256);
    dequantize_row(TensorType::IQ3_S, &b, y.data(), 256);
    const std::uint32_t e = iq_grids::kIq3s[256 + 7];
    EXPECT_EQ(y[0], -0.5f * 7 * static_cast<float>(e & 0xff));
    EXPECT_EQ(y[1], 0.5f * 7 * static_cast<float>((e >> 8) & 0xff));
    EXPECT_EQ(y[32], 0.5f * 5 * static_cast<float>(iq_grids::kIq3s[0] & 0xff));
}

TEST(IqDequant, Iq1MScaleFromTopNibbles) {
    BlockIQ1_M b{};
    const std::uint16_t d = fp32_to_fp16(0.25f);  // spread: nibble k of d in the top nibble of scale word k
    std::uint16_t sc[4];
    for (int k = 0; k < 4; ++k) sc[k] = static_cast<std::uint16_t>(((d >> (4 * k)) & 0xf) << 12);
    sc[0] = static_cast<std::uint16_t>(sc[0] | 0x2);  // sub-block 0, first half: 3-bit scale 2 -> 5
    std::memcpy(b.scales, sc, sizeof(sc));
    b.qh[0] = 0x08;  // first group's delta negative
    std::vector<float> y(256);
    dequantize_row(TensorType::IQ1_M, &b, y.data(), 256);
    const auto g = static_cast<std::int8_t>(iq_grids::kIq1s[0] & 0xff);
    EXPECT_EQ(y[0], 0.25f * 5 * (static_cast<float>(g) - 0.125f));
    EXPECT_EQ(y[8], 0.25f * 5 * (static_cast<float>(g) + 0.125f));
}

}  // namespace
}  // namespace qforge
