#include <gtest/gtest.h>

#include <limits>

#include <bit>
#include <cmath>
#include <random>
#include <vector>

#include <immintrin.h>

#include "core/float_convert.h"
#include "quant/kernels/cpu_features.h"

namespace qforge {
namespace {

// The CPU's own IEEE conversions (F16C) as the reference: clang 14 has no _Float16 arithmetic on x86.
__attribute__((target("f16c"))) float cpu_widen(std::uint16_t h) { return _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(h))); }
__attribute__((target("f16c"))) std::uint16_t cpu_narrow(float f) {
    return static_cast<std::uint16_t>(_mm_extract_epi16(_mm_cvtps_ph(_mm_set_ss(f), _MM_FROUND_TO_NEAREST_INT), 0));
}
bool cpu_has_f16c() { return cpu_features().f16c; }

TEST(FloatConvert, EveryHalfRoundTripsThroughFloat) {
    for (std::uint32_t h = 0; h < 65536; ++h) {
        const float f = fp16_to_fp32(static_cast<std::uint16_t>(h));
        if (std::isnan(f)) continue;
        EXPECT_EQ(fp32_to_fp16(f), h) << std::hex << h;
    }
}

TEST(FloatConvert, EveryHalfWidensAsTheCpusIeeeConversionDoes) {
    ASSERT_TRUE(cpu_has_f16c()) << "the reference conversion needs F16C";
    // the table fp16_to_fp32 reads, the bit-by-bit function it was made from, and the CPU's widening
    for (std::uint32_t h = 0; h < 65536; ++h) {
        const auto half = static_cast<std::uint16_t>(h);
        const std::uint32_t ref = std::bit_cast<std::uint32_t>(cpu_widen(half));
        const std::uint32_t table = std::bit_cast<std::uint32_t>(fp16_to_fp32(half));
        const std::uint32_t computed = std::bit_cast<std::uint32_t>(fp16_to_fp32_computed(half));
        EXPECT_EQ(table, computed) << std::hex << h;
        if (!std::isnan(fp16_to_fp32(half))) EXPECT_EQ(table, ref) << std::hex << h;
        else EXPECT_TRUE(std::isnan(std::bit_cast<float>(ref))) << std::hex << h;
    }
}

TEST(FloatConvert, HalfRoundingMatchesTheCpusIeeeConversion) {
    ASSERT_TRUE(cpu_has_f16c()) << "the reference conversion needs F16C";
    std::mt19937 rng(1234);
    std::uniform_int_distribution<std::uint32_t> bits;
    for (int i = 0; i < 2'000'000; ++i) {
        const float f = std::bit_cast<float>(bits(rng));
        if (std::isnan(f)) continue;
        ASSERT_EQ(fp32_to_fp16(f), cpu_narrow(f)) << f;
    }
    // ties between neighbours go to the even one
    EXPECT_EQ(fp32_to_fp16(1.0f + 1.0f / 2048.0f), 0x3C00);
    EXPECT_EQ(fp32_to_fp16(1.0f + 3.0f / 2048.0f), 0x3C02);
    EXPECT_EQ(fp32_to_fp16(65520.0f), 0x7C00);
    EXPECT_EQ(fp32_to_fp16(65519.0f), 0x7BFF);
    EXPECT_EQ(fp32_to_fp16(std::ldexp(1.0f, -25)), 0x0000);
    EXPECT_EQ(fp32_to_fp16(std::ldexp(1.5f, -25)), 0x0001);
}

TEST(FloatConvert, Bfloat16RoundsToNearestEvenAndKeepsNanQuiet) {
    EXPECT_EQ(fp32_to_bf16(1.0f), 0x3F80);
    EXPECT_EQ(fp32_to_bf16(std::bit_cast<float>(0x3F808000u)), 0x3F80);  // tie, even stays
    EXPECT_EQ(fp32_to_bf16(std::bit_cast<float>(0x3F818000u)), 0x3F82);  // tie, odd rounds up
    EXPECT_EQ(fp32_to_bf16(std::bit_cast<float>(0x3F808001u)), 0x3F81);
    EXPECT_EQ(fp32_to_bf16(std::bit_cast<float>(0x7F800001u)), 0x7FC0);  // signalling NaN becomes quiet
    EXPECT_EQ(bf16_to_fp32(0xC000), -2.0f);
}

// convert_to_f32 / convert_from_f32 run AVX-512 over 16-value chunks where the CPU has it (a chunk with a NaN
// goes to the scalar path): every half and bfloat16 pattern, and floats around every rounding case, give the
// scalar functions' bits.
TEST(FloatConvert, BulkConversionsEqualTheScalarOnes) {
    std::vector<std::uint16_t> all(65536 + 7);  // not a multiple of 16: the scalar tail too
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<std::uint16_t>(i);
    std::vector<float> out(all.size());
    convert_to_f32(TensorType::F16, all.data(), out.data(), all.size());
    for (std::size_t i = 0; i < all.size(); ++i)
        ASSERT_EQ(std::bit_cast<std::uint32_t>(out[i]), std::bit_cast<std::uint32_t>(fp16_to_fp32(all[i]))) << std::hex << all[i];
    convert_to_f32(TensorType::BF16, all.data(), out.data(), all.size());
    for (std::size_t i = 0; i < all.size(); ++i)
        ASSERT_EQ(std::bit_cast<std::uint32_t>(out[i]), std::bit_cast<std::uint32_t>(bf16_to_fp32(all[i]))) << std::hex << all[i];
    // floats: every half's value, its neighbours (ties, just above, just below) and random bit patterns
    std::vector<float> f;
    for (std::uint32_t h = 0; h < 65536; ++h) {
        const std::uint32_t b = std::bit_cast<std::uint32_t>(fp16_to_fp32(static_cast<std::uint16_t>(h)));
        for (std::uint32_t d : {0u, 1u, 0x1000u, 0xFFFu, 0x1001u, 0x2000u}) f.push_back(std::bit_cast<float>(b + d));
    }
    std::mt19937 rng(3);
    for (int i = 0; i < 100000; ++i) f.push_back(std::bit_cast<float>(static_cast<std::uint32_t>(rng())));
    std::vector<std::uint16_t> halves(f.size());
    convert_from_f32(TensorType::F16, f.data(), halves.data(), f.size());
    for (std::size_t i = 0; i < f.size(); ++i) ASSERT_EQ(halves[i], fp32_to_fp16(f[i])) << std::hex << std::bit_cast<std::uint32_t>(f[i]);
}

TEST(FloatConvert, Fp8Decoding) {
    EXPECT_EQ(fp8_e4m3_to_fp32(0x38), 1.0f);
    EXPECT_EQ(fp8_e4m3_to_fp32(0x7E), 448.0f);
    EXPECT_EQ(fp8_e4m3_to_fp32(0x01), std::ldexp(1.0f, -9));
    EXPECT_TRUE(std::isnan(fp8_e4m3_to_fp32(0x7F)));
    EXPECT_EQ(fp8_e5m2_to_fp32(0x3C), 1.0f);
    EXPECT_EQ(fp8_e5m2_to_fp32(0x7B), 57344.0f);
}

// Every E4M3FN value encodes to itself; a value between two neighbours goes to the nearer, a midpoint to the one
// with the even mantissa; past 448 it saturates (llm-compressor clamps before casting).
TEST(FloatConvert, Fp8EncodingRoundsToNearestEven) {
    for (int c = 0; c < 256; ++c) {
        const auto code = static_cast<std::uint8_t>(c);
        if ((code & 0x7f) == 0x7f) {
            EXPECT_EQ(fp32_to_fp8_e4m3(fp8_e4m3_to_fp32(code)) & 0x7f, 0x7f);
            continue;
        }
        ASSERT_EQ(fp32_to_fp8_e4m3(fp8_e4m3_to_fp32(code)), code) << c;
        const std::uint8_t next = static_cast<std::uint8_t>(code + 1);
        if ((code & 0x80) != 0 || (next & 0x7f) == 0x7f) continue;
        const float lo = fp8_e4m3_to_fp32(code), hi = fp8_e4m3_to_fp32(next), mid = (lo + hi) / 2.0f;
        EXPECT_EQ(fp32_to_fp8_e4m3(std::nextafter(mid, lo)), code) << c;
        EXPECT_EQ(fp32_to_fp8_e4m3(std::nextafter(mid, hi)), next) << c;
        EXPECT_EQ(fp32_to_fp8_e4m3(mid), (code & 1) == 0 ? code : next) << c;
        EXPECT_EQ(fp32_to_fp8_e4m3(-mid), ((code & 1) == 0 ? code : next) | 0x80) << c;
    }
    EXPECT_EQ(fp32_to_fp8_e4m3(460.0f), 0x7E);
    EXPECT_EQ(fp32_to_fp8_e4m3(1e9f), 0x7E);
    EXPECT_EQ(fp32_to_fp8_e4m3(-std::numeric_limits<float>::infinity()), 0xFE);
    EXPECT_EQ(fp32_to_fp8_e4m3(1e-30f), 0x00);
}

}  // namespace
}  // namespace qforge
