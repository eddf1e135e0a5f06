#include "quant/codecs/ternary.h"

#include <algorithm>
#include <cmath>

#include "core/float_convert.h"

namespace qforge {
namespace {

constexpr std::uint8_t kPow3[6] = {1, 3, 9, 27, 81, 243};

// The scale is the absolute maximum; trits are -1, 0, 1 stored as 0, 1, 2.
float block_scale(const float* x, float* inverse) {
    float amax = 0.0f;
    for (int j = 0; j < kQK_K; ++j) amax = std::max(amax, std::fabs(x[j]));
    *inverse = amax != 0.0f ? 1.0f / amax : 0.0f;
    return amax;
}

int trit(float v, float id) { return static_cast<int>(std::lround(v * id)) + 1; }

// Base-3 digits packed so that byte * 3^n, taken mod 256 and times 3 over 256, yields digit n (the ceiling
// division by 243 makes that exact).
std::uint8_t pack_trits(int value_base3) {
    return static_cast<std::uint8_t>((static_cast<std::uint16_t>(value_base3) * 256 + (243 - 1)) / 243);
}

int unpack_trit(std::uint8_t byte, int n) {
    const auto q = static_cast<std::uint8_t>(byte * kPow3[n]);
    return ((static_cast<std::uint16_t>(q) * 3) >> 8) - 1;
}

}  // namespace

void quantize_row_tq1_0(const float* x, BlockTQ1_0* y, std::int64_t n) {
    for (std::int64_t i = 0; i < n / kQK_K; ++i) {
        float id;
        y[i].d = fp32_to_fp16(block_scale(x, &id));
        // 48 bytes: the first 32 take five trits 32 apart, the last 16 five trits 16 apart
        const std::pair<int, int> spans[] = {{0, 32}, {32, 16}};
        for (const auto& [start, width] : spans) {
            for (int m = 0; m < width; ++m) {
                std::uint8_t q = 0;
                for (int t = 0; t < 5; ++t) q = static_cast<std::uint8_t>(q * 3 + trit(x[m + t * width], id));
                y[i].qs[start + m] = pack_trits(q);
            }
            x += 5 * width;
        }
        for (int j = 0; j < 4; ++j) {
            std::uint8_t q = 0;
            for (int m = 0; m < 4; ++m) q = static_cast<std::uint8_t>(q * 3 + trit(x[j + m * 4], id));
            y[i].qh[j] = pack_trits(static_cast<std::uint8_t>(q * 3));  // first value in the top trit
        }
        x += 16;
    }
}

void quantize_row_tq2_0(const float* x, BlockTQ2_0* y, std::int64_t n) {
    for (std::int64_t i = 0; i < n / kQK_K; ++i) {
        float id;
        y[i].d = fp32_to_fp16(block_scale(x, &id));
        for (int j = 0; j < kQK_K / 4; j += 32) {
            for (int m = 0; m < 32; ++m) {
                int q = 0;
                for (int t = 0; t < 4; ++t) q += (trit(x[m + t * 32], id) & 3) << (2 * t);
                y[i].qs[j + m] = static_cast<std::uint8_t>(q);
            }
            x += 128;
        }
    }
}

void dequantize_row_tq1_0(const BlockTQ1_0* x, float* y, std::int64_t n) {
    for (std::int64_t i = 0; i < n / kQK_K; ++i) {
        const float d = fp16_to_fp32(x[i].d);
        const std::pair<int, int> spans[] = {{0, 32}, {32, 16}};
        for (const auto& [start, width] : spans)
            for (int t = 0; t < 5; ++t)
                for (int m = 0; m < width; ++m) *y++ = static_cast<float>(unpack_trit(x[i].qs[start + m], t)) * d;
        for (int t = 0; t < 4; ++t)
            for (int j = 0; j < 4; ++j) *y++ = static_cast<float>(unpack_trit(x[i].qh[j], t)) * d;
    }
}

void dequantize_row_tq2_0(const BlockTQ2_0* x, float* y, std::int64_t n) {
    for (std::int64_t i = 0; i < n / kQK_K; ++i) {
        const float d = fp16_to_fp32(x[i].d);
        for (int j = 0; j < kQK_K / 4; j += 32)
            for (int t = 0; t < 4; ++t)
                for (int m = 0; m < 32; ++m) *y++ = static_cast<float>(((x[i].qs[j + m] >> (2 * t)) & 3) - 1) * d;
    }
}

}  // namespace qforge
