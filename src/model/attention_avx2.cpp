// AVX2 parts of attention_reference (compiled with AVX2, FMA and F16C): P.V in the reference's eight lanes, eight
// dimensions at a time, with the same fused operations, so the results are the reference's bits.
#include <immintrin.h>

#include <cmath>

#include "core/float_convert.h"
#include "model/attention.h"

namespace qforge {

void pv_accumulate_avx2(float* lane, float p, const std::uint16_t* v, std::int64_t hd) {
    const __m256 vp = _mm256_set1_ps(p);
    std::int64_t i = 0;
    for (; i + 8 <= hd; i += 8) {
        const __m256 vv = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(v + i)));
        _mm256_storeu_ps(lane + i, _mm256_fmadd_ps(vp, vv, _mm256_loadu_ps(lane + i)));
    }
    for (; i < hd; ++i) lane[i] = std::fma(p, fp16_to_fp32(v[i]), lane[i]);
}

void pv_finish_avx2(const float* acc, float* out, std::int64_t hd) {
    std::int64_t i = 0;
    auto at = [&](int l) { return _mm256_loadu_ps(acc + l * hd + i); };
    for (; i + 8 <= hd; i += 8) {
        const __m256 h0 = _mm256_add_ps(at(4), at(0)), h1 = _mm256_add_ps(at(5), at(1));
        const __m256 h2 = _mm256_add_ps(at(6), at(2)), h3 = _mm256_add_ps(at(7), at(3));
        _mm256_storeu_ps(out + i, _mm256_add_ps(_mm256_add_ps(h0, h2), _mm256_add_ps(h1, h3)));
    }
    for (; i < hd; ++i) {
        float h[4];
        for (int l = 0; l < 4; ++l) h[l] = acc[(l + 4) * hd + i] + acc[l * hd + i];
        out[i] = (h[0] + h[2]) + (h[1] + h[3]);
    }
}

}  // namespace qforge
