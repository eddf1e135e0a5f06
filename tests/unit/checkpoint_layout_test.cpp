// AutoGPTQ and AutoAWQ tensor layouts pinned on small hand-computed tensors, and pack -> unpack -> dequantize
// reproducing the quantized values exactly.
#include <gtest/gtest.h>


#include "core/error.h"
#include "core/float_convert.h"
#include "formats/awq/awq_gemv_layout.h"
#include "formats/awq/awq_layout.h"
#include "formats/gptq/gptq_layout.h"
#include "support/int_layers.h"

namespace qforge {
namespace {

TEST(CheckpointLayout, LsbFirstPackingByHand) {
    const std::uint8_t four[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    EXPECT_EQ(pack_lsb(four, 8, 4), std::vector<std::int32_t>{static_cast<std::int32_t>(0x87654321u)});
    std::uint8_t two[16];
    const std::uint8_t pattern[4] = {3, 0, 1, 2};
    for (int i = 0; i < 16; ++i) two[i] = pattern[i % 4];
    EXPECT_EQ(pack_lsb(two, 16, 2), std::vector<std::int32_t>{static_cast<std::int32_t>(0x93939393u)});
    const std::uint8_t eight[4] = {0x11, 0x22, 0x33, 0x44};
    EXPECT_EQ(pack_lsb(eight, 4, 8), std::vector<std::int32_t>{0x44332211});
    // 3 bits: value 10 straddles words 0 and 1, value 21 words 1 and 2
    std::uint8_t three[32] = {};
    three[10] = 5;  // 0b101: bits 30, 31 of word 0 get 1, 0; bit 0 of word 1 gets 1
    three[21] = 6;  // 0b110: bit 31 of word 1 gets 0; bits 0, 1 of word 2 get 1, 1
    EXPECT_EQ(pack_lsb(three, 32, 3), (std::vector<std::int32_t>{0x40000000, 0x00000001, 0x00000003}));
    std::uint8_t back[32];
    unpack_lsb(pack_lsb(three, 32, 3).data(), 32, 3, back);
    EXPECT_EQ(std::vector<std::uint8_t>(back, back + 32), std::vector<std::uint8_t>(three, three + 32));
    EXPECT_THROW(pack_lsb(three, 31, 3), Error);  // 93 bits: not whole words
}

IntLayer layer(int bits, std::int64_t in, std::int64_t out, int group, bool act_order, unsigned seed) {
    return test::random_int_layer(bits, in, out, group, act_order, seed);
}

class GptqLayoutRoundTrip : public ::testing::TestWithParam<int> {};

TEST_P(GptqLayoutRoundTrip, PackUnpackDequantizeIsExact) {
    const int bits = GetParam();
    for (bool act_order : {false, true})
        for (bool v1 : {true, false}) {
            const IntLayer l = layer(bits, 256, 64, 32, act_order, static_cast<unsigned>(bits));
            const GptqTensors t = pack_gptq(l, v1);
            EXPECT_EQ(t.qweight.size(), static_cast<std::size_t>(256 * bits / 32 * 64));
            EXPECT_EQ(t.qzeros.size(), static_cast<std::size_t>(8 * 64 * bits / 32));
            const IntLayer back = unpack_gptq(t, v1);
            EXPECT_EQ(back.q, l.q);
            EXPECT_EQ(back.zeros, l.zeros);
            EXPECT_EQ(back.g_idx, l.g_idx);
            EXPECT_EQ(back.dequantize(), l.dequantize());
        }
}

INSTANTIATE_TEST_SUITE_P(Bits, GptqLayoutRoundTrip, ::testing::Values(2, 3, 4, 8));

TEST(CheckpointLayout, GptqV1StoresZerosMinusOne) {
    IntLayer l = layer(4, 32, 8, 32, false, 1);
    for (std::size_t o = 0; o < 8; ++o) l.zeros[o] = static_cast<std::uint8_t>(o + 1);  // 1..8
    const GptqTensors v1 = pack_gptq(l, true), v2 = pack_gptq(l, false);
    EXPECT_EQ(v1.qzeros, std::vector<std::int32_t>{0x76543210});  // stored zero - 1, LSB first along outputs
    EXPECT_EQ(v2.qzeros, std::vector<std::int32_t>{static_cast<std::int32_t>(0x87654321u)});
    l.zeros[3] = 0;
    EXPECT_THROW(pack_gptq(l, true), Error);  // v1 cannot hold a zero point of 0
    EXPECT_NO_THROW(pack_gptq(l, false));
    // qweight: input rows packed down a column: output 0's first 8 inputs in word 0 of column 0
    IntLayer m = layer(4, 32, 8, 32, false, 2);
    for (std::int64_t i = 0; i < 8; ++i) m.q[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(8 - i);
    EXPECT_EQ(pack_gptq(m).qweight[0], 0x12345678);
}

TEST(CheckpointLayout, AwqGemmNibbleOrder) {
    IntLayer l = layer(4, 32, 8, 32, false, 3);
    for (std::int64_t o = 0; o < 8; ++o) l.q[static_cast<std::size_t>(o * 32)] = static_cast<std::uint8_t>(o);  // input 0
    for (std::int64_t o = 0; o < 8; ++o) l.zeros[static_cast<std::size_t>(o)] = static_cast<std::uint8_t>(o + 8);
    const AwqTensors t = pack_awq_gemm(l);
    // nibble i holds output [0,2,4,6,1,3,5,7][i]
    EXPECT_EQ(t.qweight[0], 0x75316420);
    EXPECT_EQ(t.qzeros[0], static_cast<std::int32_t>(0xFDB9ECA8u));
    const IntLayer back = unpack_awq_gemm(t);
    EXPECT_EQ(back.q, l.q);
    EXPECT_EQ(back.zeros, l.zeros);
    EXPECT_EQ(back.dequantize(), l.dequantize());
    IntLayer shuffled = layer(4, 64, 16, 32, true, 4);
    if (shuffled.g_idx[0] != 0 || shuffled.g_idx[63] != 1) EXPECT_THROW(pack_awq_gemm(shuffled), Error);  // no g_idx in AWQ
    IntLayer three = layer(3, 64, 16, 32, false, 5);
    EXPECT_THROW(pack_awq_gemm(three), Error);
}

TEST(CheckpointLayout, AwqGemvZerosWidth) {
    EXPECT_EQ(awq_gemv_zeros_width(4096, 128), 4);  // 32 groups, 8 per word
    EXPECT_EQ(awq_gemv_zeros_width(4096, 64), 8);   // 64 groups -> 8 words, a multiple of 2
    EXPECT_EQ(awq_gemv_zeros_width(4096, 32), 16);  // 128 groups -> 16 words, a multiple of 4
    EXPECT_EQ(awq_gemv_zeros_width(128, 32), 4);    // 4 groups -> 1 word, rounded up to 4
    EXPECT_EQ(awq_gemv_zeros_width(1000, 200), 1);
    EXPECT_THROW(awq_gemv_zeros_width(256, 16), Error);
}

TEST(CheckpointLayout, AwqGemvNaturalOrderAlongInputs) {
    IntLayer l = layer(4, 128, 8, 64, false, 6);  // 2 groups: qzeros width 2, scales 16 columns
    for (std::int64_t i = 0; i < 16; ++i) l.q[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(i);  // output 0
    l.zeros[0] = 3;                         // group 0, output 0
    l.zeros[static_cast<std::size_t>(8)] = 0xA;  // group 1, output 0
    const AwqGemvTensors t = pack_awq_gemv(l);
    ASSERT_EQ(t.qweight.size(), 8u * 16u);
    EXPECT_EQ(t.qweight[0], 0x76543210);  // nibble k holds input 8c + k
    EXPECT_EQ(t.qweight[1], static_cast<std::int32_t>(0xFEDCBA98u));
    ASSERT_EQ(t.qzeros.size(), 8u * 2u);
    EXPECT_EQ(t.qzeros[0], 0xA3);  // group g in nibble g
    EXPECT_EQ(t.qzeros[1], 0);     // padding word
    ASSERT_EQ(t.scales.size(), 8u * 16u);
    EXPECT_EQ(t.scales[0], l.scales[0]);
    EXPECT_EQ(t.scales[1], l.scales[8]);
    EXPECT_EQ(t.scales[2], 0);  // padding columns
    const IntLayer back = unpack_awq_gemv(t);
    EXPECT_EQ(back.q, l.q);
    EXPECT_EQ(back.zeros, l.zeros);
    EXPECT_EQ(back.dequantize(), l.dequantize());
}

}  // namespace
}  // namespace qforge
