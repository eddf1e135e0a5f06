#include "model/ops.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "quant/kernels/vec_dot.h"

namespace qforge {
namespace {

bool simd() {
    static const bool avx512 = vec_dot_isa() == "avx512";
    return avx512;
}

}  // namespace

void rms_norm(const float* x, const float* weight, float* y, std::int64_t n, float eps) {
    if (simd()) rms_norm_avx512(x, weight, y, n, eps);
    else rms_norm_reference(x, weight, y, n, eps);
}

void swiglu(const float* gate, const float* up, float* out, std::int64_t n) {
    if (simd()) swiglu_avx512(gate, up, out, n);
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
        head[a] = x0 * c - x1 * s;
        head[b] = x0 * s + x1 * c;
    }
}

void softmax(float* x, std::int64_t n) {
    float max = -std::numeric_limits<float>::infinity();
    for (std::int64_t i = 0; i < n; ++i) max = std::max(max, x[i]);
    double sum = 0.0;
    for (std::int64_t i = 0; i < n; ++i) {
        x[i] = std::exp(x[i] - max);
        sum += static_cast<double>(x[i]);
    }
    const float inv = static_cast<float>(1.0 / sum);
    for (std::int64_t i = 0; i < n; ++i) x[i] *= inv;
}

void swiglu_reference(const float* gate, const float* up, float* out, std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i) out[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

}  // namespace qforge
