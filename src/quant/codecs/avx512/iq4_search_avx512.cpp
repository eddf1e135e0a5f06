// IQ4 scale trials in AVX-512 lanes (iq4_search.h); compiled with AVX-512F alone, no FMA contraction.
#include <immintrin.h>

#include "quant/codecs/iq4.h"
#include "quant/codecs/iq4_search.h"

namespace qforge::iq4 {
namespace {

struct Table {
    __m512 values;  // the 16 IQ4 values as floats
    float first, last;
};

Table table() {
    alignas(64) float v[16];
    for (int i = 0; i < 16; ++i) v[i] = kIQ4Values[i];
    return Table{_mm512_load_ps(v), v[0], v[15]};
}

// best_index_iq4nl for 16 lanes: the clamps at the ends, else the bracketing pair (v[lo] <= x < v[lo+1], found
// as the binary search finds it: its "else" branch, taken when x < v[mid] is false, NaN included; lo <= 14)
// and the nearer of the two, ties to the upper.
inline __m512i best_index(__m512 x, const Table& t) {
    __m512i lo = _mm512_setzero_si512();
    for (int step = 8; step >= 1; step /= 2) {
        const __m512i cand = _mm512_add_epi32(lo, _mm512_set1_epi32(step));
        const __m512 v = _mm512_permutexvar_ps(_mm512_min_epi32(cand, _mm512_set1_epi32(15)), t.values);
        const __mmask16 up = _mm512_cmp_ps_mask(x, v, _CMP_NLT_UQ);
        lo = _mm512_mask_mov_epi32(lo, up, cand);
    }
    lo = _mm512_min_epi32(lo, _mm512_set1_epi32(14));
    const __m512i hi = _mm512_add_epi32(lo, _mm512_set1_epi32(1));
    const __m512 vlo = _mm512_permutexvar_ps(lo, t.values), vhi = _mm512_permutexvar_ps(hi, t.values);
    const __mmask16 lower = _mm512_cmp_ps_mask(_mm512_sub_ps(x, vlo), _mm512_sub_ps(vhi, x), _CMP_LT_OQ);
    __m512i idx = _mm512_mask_mov_epi32(hi, lower, lo);
    idx = _mm512_mask_mov_epi32(idx, _mm512_cmp_ps_mask(x, _mm512_set1_ps(t.first), _CMP_LE_OQ), _mm512_setzero_si512());
    idx = _mm512_mask_mov_epi32(idx, _mm512_cmp_ps_mask(x, _mm512_set1_ps(t.last), _CMP_GE_OQ), _mm512_set1_epi32(15));
    return idx;
}

}  // namespace

void trial_sums_avx512(const float* x, const float* w, const float* ids, float* sumqx_out, float* sumq2_out) {
    const Table t = table();
    const __m512 id = _mm512_loadu_ps(ids);
    __m512 sumqx = _mm512_setzero_ps(), sumq2 = _mm512_setzero_ps();
    for (int j = 0; j < 32; ++j) {
        const __m512 q = _mm512_permutexvar_ps(best_index(_mm512_mul_ps(id, _mm512_set1_ps(x[j])), t), t.values);
        const __m512 wq = _mm512_mul_ps(_mm512_set1_ps(w[j]), q);
        sumqx = _mm512_add_ps(sumqx, _mm512_mul_ps(wq, _mm512_set1_ps(x[j])));
        sumq2 = _mm512_add_ps(sumq2, _mm512_mul_ps(wq, q));
    }
    _mm512_storeu_ps(sumqx_out, sumqx);
    _mm512_storeu_ps(sumq2_out, sumq2);
}

void nearest_levels_avx512(const float* x, float scale, int n, std::uint8_t* L) {
    const Table t = table();
    const __m512 s = _mm512_set1_ps(scale);
    for (int j = 0; j < n; j += 16)
        _mm_storeu_si128(reinterpret_cast<__m128i*>(L + j), _mm512_cvtepi32_epi8(best_index(_mm512_mul_ps(s, _mm512_loadu_ps(x + j)), t)));
}

}  // namespace qforge::iq4
