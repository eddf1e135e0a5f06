// AVX2 paths of ops.h (compiled with AVX2, FMA and F16C): the references' operations eight lanes at a time, so
// each gives its reference's bits.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "model/exp_avx2.h"
#include "model/exp_ggml.h"
#include "model/ops.h"

namespace qforge {
namespace {

float sum_lanes(__m256 v) {
    __m128 x = _mm_add_ps(_mm256_extractf128_ps(v, 1), _mm256_castps256_ps128(v));
    x = _mm_add_ps(x, _mm_movehl_ps(x, x));
    x = _mm_add_ss(x, _mm_movehdup_ps(x));
    return _mm_cvtss_f32(x);
}

}  // namespace

void softmax_avx2(float* x, std::int64_t n) {
    float max = -std::numeric_limits<float>::infinity();
    for (std::int64_t i = 0; i < n; ++i) max = std::max(max, x[i]);
    const __m256 vmax = _mm256_set1_ps(max);
    double sum = 0.0;
    std::int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 e = exp_ggml_avx2(_mm256_sub_ps(_mm256_loadu_ps(x + i), vmax));
        _mm256_storeu_ps(x + i, e);
        sum += static_cast<double>(sum_lanes(e));
    }
    for (; i < n; ++i) {
        x[i] = std::exp(x[i] - max);
        sum += static_cast<double>(x[i]);
    }
    const float inv = static_cast<float>(1.0 / sum);
    const __m256 vinv = _mm256_set1_ps(inv);
    for (i = 0; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), vinv));
    for (; i < n; ++i) x[i] *= inv;
}

void swiglu_avx2(const float* gate, const float* up, float* out, std::int64_t n) {
    const __m256 one = _mm256_set1_ps(1.0f);
    std::int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 g = _mm256_loadu_ps(gate + i);
        const __m256 silu = _mm256_div_ps(g, _mm256_add_ps(one, exp_ggml_avx2(_mm256_sub_ps(_mm256_setzero_ps(), g))));
        _mm256_storeu_ps(out + i, _mm256_mul_ps(silu, _mm256_loadu_ps(up + i)));
    }
    for (; i < n; ++i) out[i] = gate[i] / (1.0f + exp_ggml(0.0f - gate[i])) * up[i];
}

}  // namespace qforge
