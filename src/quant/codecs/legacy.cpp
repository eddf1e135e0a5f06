#include "quant/codecs/legacy.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>

#include "core/float_convert.h"

namespace qforge {
namespace {

// The value of largest magnitude in a block (the first one on ties), as the symmetric quantizers use it.
float signed_absmax(const float* x, int n) {
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < n; ++j)
        if (amax < std::fabs(x[j])) {
            amax = std::fabs(x[j]);
            max = x[j];
        }
    return max;
}

void min_max(const float* x, int n, float& min, float& max) {
    min = FLT_MAX;
    max = -FLT_MAX;
    for (int j = 0; j < n; ++j) {
        min = std::min(min, x[j]);
        max = std::max(max, x[j]);
    }
}

void store_qh(std::uint8_t* qh, std::uint32_t bits) { std::memcpy(qh, &bits, 4); }
std::uint32_t load_qh(const std::uint8_t* qh) {
    std::uint32_t bits;
    std::memcpy(&bits, qh, 4);
    return bits;
}

}  // namespace

void quantize_row_q8_0(const float* x, BlockQ8_0* y, std::int64_t n) {
    for (std::int64_t b = 0; b < n / kQK8_0; ++b, x += kQK8_0) {
        float amax = 0.0f;
        for (int j = 0; j < kQK8_0; ++j) amax = std::max(amax, std::fabs(x[j]));
        const float d = amax / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        y[b].d = fp32_to_fp16(d);
        for (int j = 0; j < kQK8_0; ++j) y[b].qs[j] = static_cast<std::int8_t>(std::roundf(x[j] * id));
    }
}

void quantize_row_q8_0_activations(const float* x, BlockQ8_0* y, std::int64_t n) {
    for (std::int64_t b = 0; b < n / kQK8_0; ++b, x += kQK8_0) {
        float amax = 0.0f;
        for (int j = 0; j < kQK8_0; ++j) amax = std::max(amax, std::fabs(x[j]));
        const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
        y[b].d = fp32_to_fp16(amax / 127.0f);
        for (int j = 0; j < kQK8_0; ++j) y[b].qs[j] = static_cast<std::int8_t>(std::nearbyintf(x[j] * id));
    }
}

void quantize_row_q8_1_activations(const float* x, BlockQ8_1* y, std::int64_t n) {
    for (std::int64_t b = 0; b < n / kQK8_0; ++b, x += kQK8_0) {
        float amax = 0.0f;
        for (int j = 0; j < kQK8_0; ++j) amax = std::max(amax, std::fabs(x[j]));
        const float d = amax / 127.0f;
        const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
        int sum = 0;
        for (int j = 0; j < kQK8_0; ++j) {
            y[b].qs[j] = static_cast<std::int8_t>(std::nearbyintf(x[j] * id));
            sum += y[b].qs[j];
        }
        y[b].d = fp32_to_fp16(d);
        y[b].s = fp32_to_fp16(d * static_cast<float>(sum));
    }
}

void quantize_row_q4_0(const float* x, BlockQ4_0* y, std::int64_t n) {
    for (std::int64_t b = 0; b < n / kQK4; ++b, x += kQK4) {
        const float d = signed_absmax(x, kQK4) / -8;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        y[b].d = fp32_to_fp16(d);
        for (int j = 0; j < kQK4 / 2; ++j) {
            const auto lo = static_cast<std::uint8_t>(std::min<int>(15, static_cast<std::int8_t>(x[j] * id + 8.5f)));
            const auto hi = static_cast<std::uint8_t>(std::min<int>(15, static_cast<std::int8_t>(x[kQK4 / 2 + j] * id + 8.5f)));
            y[b].qs[j] = static_cast<std::uint8_t>(lo | (hi << 4));
        }
    }
}

void quantize_row_q4_1(const float* x, BlockQ4_1* y, std::int64_t n) {
    for (std::int64_t b = 0; b < n / kQK4; ++b, x += kQK4) {
        float min, max;
        min_max(x, kQK4, min, max);
        const float d = (max - min) / 15;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        y[b].d = fp32_to_fp16(d);
        y[b].m = fp32_to_fp16(min);
        for (int j = 0; j < kQK4 / 2; ++j) {
            const auto lo = static_cast<std::uint8_t>(std::min<int>(15, static_cast<std::int8_t>((x[j] - min) * id + 0.5f)));
            const auto hi = static_cast<std::uint8_t>(std::min<int>(15, static_cast<std::int8_t>((x[kQK4 / 2 + j] - min) * id + 0.5f)));
            y[b].qs[j] = static_cast<std::uint8_t>(lo | (hi << 4));
        }
    }
}

void quantize_row_q5_0(const float* x, BlockQ5_0* y, std::int64_t n) {
    for (std::int64_t b = 0; b < n / kQK4; ++b, x += kQK4) {
        const float d = signed_absmax(x, kQK4) / -16;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        y[b].d = fp32_to_fp16(d);
        std::uint32_t qh = 0;
        for (int j = 0; j < kQK4 / 2; ++j) {
            const auto lo = static_cast<std::uint8_t>(std::min<int>(31, static_cast<std::int8_t>(x[j] * id + 16.5f)));
            const auto hi = static_cast<std::uint8_t>(std::min<int>(31, static_cast<std::int8_t>(x[kQK4 / 2 + j] * id + 16.5f)));
            y[b].qs[j] = static_cast<std::uint8_t>((lo & 0x0F) | ((hi & 0x0F) << 4));
            qh |= ((lo & 0x10u) >> 4) << j;
            qh |= ((hi & 0x10u) >> 4) << (j + kQK4 / 2);
        }
        store_qh(y[b].qh, qh);
    }
}

void quantize_row_q5_1(const float* x, BlockQ5_1* y, std::int64_t n) {
    for (std::int64_t b = 0; b < n / kQK4; ++b, x += kQK4) {
        float min, max;
        min_max(x, kQK4, min, max);
        const float d = (max - min) / 31;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        y[b].d = fp32_to_fp16(d);
        y[b].m = fp32_to_fp16(min);
        std::uint32_t qh = 0;
        for (int j = 0; j < kQK4 / 2; ++j) {
            const auto lo = static_cast<std::uint8_t>((x[j] - min) * id + 0.5f);
            const auto hi = static_cast<std::uint8_t>((x[kQK4 / 2 + j] - min) * id + 0.5f);
            y[b].qs[j] = static_cast<std::uint8_t>((lo & 0x0F) | ((hi & 0x0F) << 4));
            qh |= ((lo & 0x10u) >> 4) << j;
            qh |= ((hi & 0x10u) >> 4) << (j + kQK4 / 2);
        }
        store_qh(y[b].qh, qh);
    }
}

void dequantize_row_q8_0(const BlockQ8_0* x, float* y, std::int64_t n) {
    for (std::int64_t b = 0; b < n / kQK8_0; ++b) {
        const float d = fp16_to_fp32(x[b].d);
        for (int j = 0; j < kQK8_0; ++j) y[b * kQK8_0 + j] = static_cast<float>(x[b].qs[j]) * d;
    }
}

void dequantize_row_q4_0(const BlockQ4_0* x, float* y, std::int64_t n) {
    for (std::int64_t b = 0; b < n / kQK4; ++b, y += kQK4) {
        const float d = fp16_to_fp32(x[b].d);
        for (int j = 0; j < kQK4 / 2; ++j) {
            y[j] = static_cast<float>((x[b].qs[j] & 0x0F) - 8) * d;
            y[j + kQK4 / 2] = static_cast<float>((x[b].qs[j] >> 4) - 8) * d;
        }
    }
}

void dequantize_row_q4_1(const BlockQ4_1* x, float* y, std::int64_t n) {
    for (std::int64_t b = 0; b < n / kQK4; ++b, y += kQK4) {
        const float d = fp16_to_fp32(x[b].d), m = fp16_to_fp32(x[b].m);
        for (int j = 0; j < kQK4 / 2; ++j) {
            y[j] = static_cast<float>(x[b].qs[j] & 0x0F) * d + m;
            y[j + kQK4 / 2] = static_cast<float>(x[b].qs[j] >> 4) * d + m;
        }
    }
}

void dequantize_row_q5_0(const BlockQ5_0* x, float* y, std::int64_t n) {
    for (std::int64_t b = 0; b < n / kQK4; ++b, y += kQK4) {
        const float d = fp16_to_fp32(x[b].d);
        const std::uint32_t qh = load_qh(x[b].qh);
        for (int j = 0; j < kQK4 / 2; ++j) {
            const int lo = (x[b].qs[j] & 0x0F) | static_cast<int>(((qh >> j) << 4) & 0x10);
            const int hi = (x[b].qs[j] >> 4) | static_cast<int>((qh >> (j + 12)) & 0x10);
            y[j] = static_cast<float>(lo - 16) * d;
            y[j + kQK4 / 2] = static_cast<float>(hi - 16) * d;
        }
    }
}

void dequantize_row_q5_1(const BlockQ5_1* x, float* y, std::int64_t n) {
    for (std::int64_t b = 0; b < n / kQK4; ++b, y += kQK4) {
        const float d = fp16_to_fp32(x[b].d), m = fp16_to_fp32(x[b].m);
        const std::uint32_t qh = load_qh(x[b].qh);
        for (int j = 0; j < kQK4 / 2; ++j) {
            const int lo = (x[b].qs[j] & 0x0F) | static_cast<int>(((qh >> j) << 4) & 0x10);
            const int hi = (x[b].qs[j] >> 4) | static_cast<int>((qh >> (j + 12)) & 0x10);
            y[j] = static_cast<float>(lo) * d + m;
            y[j + kQK4 / 2] = static_cast<float>(hi) * d + m;
        }
    }
}

}  // namespace qforge
