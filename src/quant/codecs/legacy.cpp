#include "quant/codecs/legacy.h"

#include <cmath>

#include "core/float_convert.h"

namespace qforge {

void quantize_row_q8_0(const float* x, BlockQ8_0* y, std::int64_t n) {
    for (std::int64_t b = 0; b < n / kQK8_0; ++b) {
        float amax = 0.0f;
        for (int j = 0; j < kQK8_0; ++j) amax = std::max(amax, std::fabs(x[b * kQK8_0 + j]));
        const float d = amax / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        y[b].d = fp32_to_fp16(d);
        for (int j = 0; j < kQK8_0; ++j) y[b].qs[j] = static_cast<std::int8_t>(std::roundf(x[b * kQK8_0 + j] * id));
    }
}

void quantize_row_q8_0_activations(const float* x, BlockQ8_0* y, std::int64_t n) {
    for (std::int64_t b = 0; b < n / kQK8_0; ++b) {
        float amax = 0.0f;
        for (int j = 0; j < kQK8_0; ++j) amax = std::max(amax, std::fabs(x[b * kQK8_0 + j]));
        const float d = amax / 127.0f;
        const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
        y[b].d = fp32_to_fp16(d);
        for (int j = 0; j < kQK8_0; ++j)
            y[b].qs[j] = static_cast<std::int8_t>(std::nearbyintf(x[b * kQK8_0 + j] * id));
    }
}

void dequantize_row_q8_0(const BlockQ8_0* x, float* y, std::int64_t n) {
    for (std::int64_t b = 0; b < n / kQK8_0; ++b) {
        const float d = fp16_to_fp32(x[b].d);
        for (int j = 0; j < kQK8_0; ++j) y[b * kQK8_0 + j] = static_cast<float>(x[b].qs[j]) * d;
    }
}

}  // namespace qforge
