// The trial-scale loop of make_qkx2_quants / make_qkx3_quants with 16 trial scales in the lanes of a register
// (compiled with AVX-512F alone, no FMA contraction). Every lane runs the scalar loop's float operations on
// its own trial in the same order (k_scale_search.cpp), so it finds the same sums, the same mean error and
// the same winner; the scalar caller applies the winner and asks again from the next trial, as the scalar
// loop goes on with the new minimum.
#include <immintrin.h>

#include <cstdint>

#include "quant/codecs/k_scale_search_steps.h"

namespace qforge::kquant {
namespace {

// clamp(nearest_int(v), 0, nmax) for 16 lanes: rounding.h's 1.5 * 2^23 trick.
inline __m512 level(__m512 v, __m512i nmax) {
    const __m512i bits = _mm512_castps_si512(_mm512_add_ps(v, _mm512_set1_ps(12582912.f)));
    __m512i l = _mm512_sub_epi32(_mm512_and_si512(bits, _mm512_set1_epi32(0x007fffff)), _mm512_set1_epi32(0x00400000));
    l = _mm512_min_epi32(_mm512_max_epi32(l, _mm512_setzero_si512()), nmax);
    return _mm512_cvtepi32_ps(l);
}

}  // namespace

int first_better_step_avx512(const TrialScales& s, int first, float min, float best_mad, TrialResult* out) {
    const __m512i nmax = _mm512_set1_epi32(s.nmax);
    const __m512 range = _mm512_set1_ps(s.max - min), sum_w = _mm512_set1_ps(s.sum_w), sum_x = _mm512_set1_ps(s.sum_x);
    for (int c0 = first; c0 <= s.nstep; c0 += 16) {
        const int lanes = s.nstep - c0 + 1 < 16 ? s.nstep - c0 + 1 : 16;
        const __mmask16 live = static_cast<__mmask16>((1u << lanes) - 1);
        const __m512 is = _mm512_cvtepi32_ps(_mm512_add_epi32(_mm512_set1_epi32(c0), _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)));
        // iscale = (rmin + rdelta * is + nmax) / (max - min)
        const __m512 iscale = _mm512_div_ps(
            _mm512_add_ps(_mm512_add_ps(_mm512_set1_ps(s.rmin), _mm512_mul_ps(_mm512_set1_ps(s.rdelta), is)), _mm512_set1_ps(static_cast<float>(s.nmax))),
            range);
        __m512 sum_l = _mm512_setzero_ps(), sum_l2 = _mm512_setzero_ps(), sum_xl = _mm512_setzero_ps();
        for (int i = 0; i < s.n; ++i) {
            const __m512 lf = level(_mm512_mul_ps(iscale, _mm512_set1_ps(s.x[i] - min)), nmax);
            const __m512 wl = _mm512_mul_ps(_mm512_set1_ps(s.w[i]), lf);
            sum_l = _mm512_add_ps(sum_l, wl);
            sum_l2 = _mm512_add_ps(sum_l2, _mm512_mul_ps(wl, lf));
            sum_xl = _mm512_add_ps(sum_xl, _mm512_mul_ps(wl, _mm512_set1_ps(s.x[i])));
        }
        const __m512 D = _mm512_sub_ps(_mm512_mul_ps(sum_w, sum_l2), _mm512_mul_ps(sum_l, sum_l));
        const __mmask16 valid = _mm512_mask_cmp_ps_mask(live, D, _mm512_setzero_ps(), _CMP_GT_OQ);
        if (valid == 0) continue;
        __m512 scale = _mm512_div_ps(_mm512_sub_ps(_mm512_mul_ps(sum_w, sum_xl), _mm512_mul_ps(sum_x, sum_l)), D);
        __m512 mn = _mm512_div_ps(_mm512_sub_ps(_mm512_mul_ps(sum_l2, sum_x), _mm512_mul_ps(sum_l, sum_xl)), D);
        const __mmask16 positive = _mm512_cmp_ps_mask(mn, _mm512_setzero_ps(), _CMP_GT_OQ);
        mn = _mm512_mask_mov_ps(mn, positive, _mm512_setzero_ps());
        scale = _mm512_mask_mov_ps(scale, positive, _mm512_div_ps(sum_xl, sum_l2));
        __m512 mad = _mm512_setzero_ps();
        for (int i = 0; i < s.n; ++i) {
            const __m512 lf = level(_mm512_mul_ps(iscale, _mm512_set1_ps(s.x[i] - min)), nmax);
            __m512 diff = _mm512_sub_ps(_mm512_add_ps(_mm512_mul_ps(scale, lf), mn), _mm512_set1_ps(s.x[i]));
            diff = s.use_mad ? _mm512_abs_ps(diff) : _mm512_mul_ps(diff, diff);
            mad = _mm512_add_ps(mad, _mm512_mul_ps(_mm512_set1_ps(s.w[i]), diff));
        }
        const __mmask16 better = _mm512_mask_cmp_ps_mask(valid, mad, _mm512_set1_ps(best_mad), _CMP_LT_OQ);
        if (better == 0) continue;
        const int j = __builtin_ctz(better);
        alignas(64) float v[16];
        _mm512_store_ps(v, scale);
        out->scale = v[j];
        _mm512_store_ps(v, mn);
        out->min = v[j];
        _mm512_store_ps(v, mad);
        out->mad = v[j];
        _mm512_store_ps(v, iscale);
        out->iscale = v[j];
        return c0 + j;
    }
    return -1;
}

}  // namespace qforge::kquant

namespace qforge::kquant {

void qx_trial_sums_avx512(int n, int nmax, const float* x, const float* w, const float* wx, float max, float* iscale_out,
                          float* sumlx_out, float* suml2_out) {
    const __m512i lo = _mm512_set1_epi32(-nmax), hi = _mm512_set1_epi32(nmax - 1);
    const __m512i sign = _mm512_set1_epi32(static_cast<int>(0x80000000u));
    alignas(64) static constexpr int kIs[32] = {-9, -8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    for (int c0 = 0; c0 < kQxTrials; c0 += 16) {
        const int lanes = kQxTrials - c0 < 16 ? kQxTrials - c0 : 16;
        const __mmask16 live = static_cast<__mmask16>((1u << lanes) - 1);
        const __m512 is = _mm512_cvtepi32_ps(_mm512_load_si512(kIs + c0));
        // iscale = -(nmax + 0.1 * is) / max
        const __m512 num = _mm512_add_ps(_mm512_set1_ps(static_cast<float>(nmax)), _mm512_mul_ps(_mm512_set1_ps(0.1f), is));
        const __m512 iscale = _mm512_div_ps(_mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(num), sign)), _mm512_set1_ps(max));
        __m512 sumlx = _mm512_setzero_ps(), suml2 = _mm512_setzero_ps();
        for (int i = 0; i < n; ++i) {
            const __m512i bits = _mm512_castps_si512(_mm512_add_ps(_mm512_mul_ps(iscale, _mm512_set1_ps(x[i])), _mm512_set1_ps(12582912.f)));
            __m512i l = _mm512_sub_epi32(_mm512_and_si512(bits, _mm512_set1_epi32(0x007fffff)), _mm512_set1_epi32(0x00400000));
            const __m512 lf = _mm512_cvtepi32_ps(_mm512_min_epi32(_mm512_max_epi32(l, lo), hi));
            sumlx = _mm512_add_ps(sumlx, _mm512_mul_ps(_mm512_set1_ps(wx[i]), lf));
            suml2 = _mm512_add_ps(suml2, _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(w[i]), lf), lf));
        }
        _mm512_mask_storeu_ps(iscale_out + c0, live, iscale);
        _mm512_mask_storeu_ps(sumlx_out + c0, live, sumlx);
        _mm512_mask_storeu_ps(suml2_out + c0, live, suml2);
    }
}

}  // namespace qforge::kquant
