#include "model/ops.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/float_convert.h"
#include "model/exp_ggml.h"
#include "quant/kernels/lane_sum.h"
#include "quant/kernels/vec_dot.h"

namespace qforge {
namespace {

bool simd() {
    static const bool avx512 = vec_dot_isa() == "avx512";
    return avx512;
}

bool avx2() {
    static const bool cpu = vec_dot_isa() != "scalar";
    return cpu;
}

}  // namespace

void rms_norm(const float* x, const float* weight, float* y, std::int64_t n, float eps) {
    if (simd()) rms_norm_avx512(x, weight, y, n, eps);
    else rms_norm_reference(x, weight, y, n, eps);
}

void swiglu(const float* gate, const float* up, float* out, std::int64_t n) {
    if (simd()) swiglu_avx512(gate, up, out, n);
    else if (avx2()) swiglu_avx2(gate, up, out, n);
    else swiglu_reference(gate, up, out, n);
}

void add_in_place(float* y, const float* x, std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i) y[i] += x[i];
}

void rms_norm_reference(const float* x, const float* weight, float* y, std::int64_t n, float eps) {
    double sum = 0.0;
    for (std::int64_t i = 0; i < n; ++i) sum += static_cast<double>(x[i] * x[i]);
    const float mean = static_cast<float>(sum / static_cast<double>(n));
    const float scale = 1.0f / std::sqrt(mean + eps);
    for (std::int64_t i = 0; i < n; ++i) y[i] = (x[i] * scale) * weight[i];
}

void rope_cache(float* cache, std::int64_t n_rot, std::int64_t pos, float base, float freq_scale,
                const float* freq_factors) {
    const float theta_scale = std::pow(base, -2.0f / static_cast<float>(n_rot));
    float theta = static_cast<float>(pos);
    for (std::int64_t i = 0; i < n_rot / 2; ++i) {
        const float ff = freq_factors != nullptr ? freq_factors[i] : 1.0f;
        const float angle = freq_scale * (theta / ff);
        cache[2 * i] = std::cos(angle);
        cache[2 * i + 1] = std::sin(angle);
        theta *= theta_scale;
    }
}

void rope_apply(float* head, const float* cache, std::int64_t n_rot, bool neox) {
    for (std::int64_t i = 0; i < n_rot / 2; ++i) {
        const std::int64_t a = neox ? i : 2 * i;
        const std::int64_t b = neox ? i + n_rot / 2 : 2 * i + 1;
        const float c = cache[2 * i], s = cache[2 * i + 1];
        const float x0 = head[a], x1 = head[b];
        // the x0 products fused, as GCC contracts ggml's rope (x0 cos - x1 sin, x0 sin + x1 cos)
        head[a] = std::fma(x0, c, -(x1 * s));
        head[b] = std::fma(x0, s, x1 * c);
    }
}

void softmax(float* x, std::int64_t n) {
    if (avx2()) return softmax_avx2(x, n);
    softmax_reference(x, n);
}

void softmax_reference(float* x, std::int64_t n) {
    float max = -std::numeric_limits<float>::infinity();
    for (std::int64_t i = 0; i < n; ++i) max = std::max(max, x[i]);
    double sum = 0.0;
    std::int64_t i = 0;
    for (; i + kLanes8 <= n; i += kLanes8) {
        float group[kLanes8];
        for (int l = 0; l < kLanes8; ++l) group[l] = x[i + l] = exp_ggml(x[i + l] - max);
        sum += static_cast<double>(sum_lanes8(group));
    }
    for (; i < n; ++i) {
        x[i] = std::exp(x[i] - max);
        sum += static_cast<double>(x[i]);
    }
    const float inv = static_cast<float>(1.0 / sum);
    for (std::int64_t j = 0; j < n; ++j) x[j] *= inv;
}

namespace {

// ggml's table: gelu of every f16 value, rounded to f16.
const std::vector<std::uint16_t>& gelu_table() {
    static const std::vector<std::uint16_t> table = [] {
        std::vector<std::uint16_t> t(1 << 16);
        constexpr float kCoefA = 0.044715f, kSqrt2OverPi = 0.79788456080286535587989211986876f;
        for (std::uint32_t i = 0; i < t.size(); ++i) {
            const float x = fp16_to_fp32(static_cast<std::uint16_t>(i));
            // 1 + A x^2 fused, as GCC contracts ggml_gelu_f32's expression (ggml is built with -ffp-contract=fast)
            t[i] = fp32_to_fp16(0.5f * x * (1.0f + std::tanh(kSqrt2OverPi * x * std::fma(x, kCoefA * x, 1.0f))));
        }
        return t;
    }();
    return table;
}

}  // namespace

float gelu_ggml(float x) {
    if (x <= -10.0f) return 0.0f;
    if (x >= 10.0f) return x;
    return fp16_to_fp32(gelu_table()[fp32_to_fp16(x)]);
}

void geglu(const float* gate, const float* up, float* out, std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i) out[i] = gelu_ggml(gate[i]) * up[i];
}

void soft_cap(float* x, std::int64_t n, float cap) {
    const float inv = 1.0f / cap;
    for (std::int64_t i = 0; i < n; ++i) x[i] = std::tanh(x[i] * inv) * cap;
}

void swiglu_reference(const float* gate, const float* up, float* out, std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i) out[i] = gate[i] / (1.0f + exp_ggml(0.0f - gate[i])) * up[i];
}

}  // namespace qforge
