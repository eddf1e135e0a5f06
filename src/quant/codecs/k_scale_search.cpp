#include "quant/codecs/k_scale_search.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "quant/codecs/k_scale_search_steps.h"
#include "quant/codecs/rounding.h"
#include "quant/kernels/vec_dot.h"

namespace qforge::kquant {
namespace {

float rmse_weight(int rmse_type, const float* qw, const float* x, int i) {
    if (qw != nullptr) return qw[i];
    switch (rmse_type) {
        case 1: return x[i] * x[i];
        case 2: return 1;
        case 3: return std::fabs(x[i]);
        default: return std::sqrt(std::fabs(x[i]));
    }
}

int clamp_level(int l, int lo, int hi) { return std::max(lo, std::min(hi, l)); }

// Groups up to this size run their trial scales in AVX-512 lanes where the CPU has them.
constexpr int kMaxLanesGroup = 256;

bool trials_in_lanes() {
    static const bool yes = vec_dot_isa() == "avx512";  // QFORGE_NO_AVX512 / QFORGE_NO_SIMD turn it off
    return yes;
}

// Index of the largest |x| (first on ties) and its signed value.
float signed_extreme(int n, const float* x, float* amax_out) {
    float max = 0, amax = 0;
    for (int i = 0; i < n; ++i) {  // selects, not branches: random signs mispredict
        const float ax = std::fabs(x[i]);
        const bool larger = ax > amax;
        max = larger ? x[i] : max;
        amax = larger ? ax : amax;
    }
    *amax_out = amax;
    return max;
}

}  // namespace

float make_qx_quants(int n, int nmax, const float* x, std::int8_t* L, int rmse_type, const float* qw, SearchPath path) {
    float amax;
    const float max = signed_extreme(n, x, &amax);
    if (amax < kGroupMaxEps) {
        std::memset(L, 0, static_cast<std::size_t>(n));
        return 0.f;
    }
    float iscale = -static_cast<float>(nmax) / max;
    if (rmse_type == 0) {
        for (int i = 0; i < n; ++i)
            L[i] = static_cast<std::int8_t>(nmax + clamp_level(nearest_int(iscale * x[i]), -nmax, nmax - 1));
        return 1 / iscale;
    }
    if (rmse_type > 0 && path == SearchPath::Auto && n <= kMaxLanesGroup && trials_in_lanes()) {
        // every trial's sums in lanes (the first scale, -nmax / max, is the trial is = 0), then the scalar
        // loop's decisions in its order
        float w[kMaxLanesGroup], wx[kMaxLanesGroup];
        for (int i = 0; i < n; ++i) {
            w[i] = rmse_weight(rmse_type, qw, x, i);
            wx[i] = w[i] * x[i];
        }
        float iscales[kQxTrials], sumlxs[kQxTrials], suml2s[kQxTrials];
        qx_trial_sums_avx512(n, nmax, x, w, wx, max, iscales, sumlxs, suml2s);
        constexpr int kFirst = kQxTrials / 2;  // is = 0
        float scale = suml2s[kFirst] != 0.0f ? sumlxs[kFirst] / suml2s[kFirst] : 0.0f;
        float best = scale * sumlxs[kFirst];
        int winner = kFirst;
        for (int t = 0; t < kQxTrials; ++t) {  // selects, not branches
            const bool take = t != kFirst && suml2s[t] > 0 && sumlxs[t] * sumlxs[t] > best * suml2s[t];
            const float s = sumlxs[t] / suml2s[t];
            scale = take ? s : scale;
            best = take ? s * sumlxs[t] : best;
            winner = take ? t : winner;
        }
        for (int i = 0; i < n; ++i)
            L[i] = static_cast<std::int8_t>(nmax + clamp_level(nearest_int(iscales[winner] * x[i]), -nmax, nmax - 1));
        return scale;
    }
    const bool return_early = rmse_type < 0;
    if (return_early) rmse_type = -rmse_type;
    float sumlx = 0, suml2 = 0;
    for (int i = 0; i < n; ++i) {
        const int l = clamp_level(nearest_int(iscale * x[i]), -nmax, nmax - 1);
        L[i] = static_cast<std::int8_t>(l + nmax);
        const float w = rmse_weight(rmse_type, qw, x, i);
        sumlx += w * x[i] * static_cast<float>(l);
        suml2 += w * static_cast<float>(l) * static_cast<float>(l);
    }
    float scale = suml2 != 0.0f ? sumlx / suml2 : 0.0f;
    if (return_early) return suml2 > 0 ? 0.5f * (scale + 1 / iscale) : 1 / iscale;
    float best = scale * sumlx;
    for (int is = -9; is <= 9; ++is) {
        if (is == 0) continue;
        iscale = -(static_cast<float>(nmax) + 0.1f * static_cast<float>(is)) / max;
        sumlx = suml2 = 0;
        for (int i = 0; i < n; ++i) {
            const int l = clamp_level(nearest_int(iscale * x[i]), -nmax, nmax - 1);
            const float w = rmse_weight(rmse_type, qw, x, i);
            sumlx += w * x[i] * static_cast<float>(l);
            suml2 += w * static_cast<float>(l) * static_cast<float>(l);
        }
        if (suml2 > 0 && sumlx * sumlx > best * suml2) {
            for (int i = 0; i < n; ++i)
                L[i] = static_cast<std::int8_t>(nmax + clamp_level(nearest_int(iscale * x[i]), -nmax, nmax - 1));
            scale = sumlx / suml2;
            best = scale * sumlx;
        }
    }
    return scale;
}

float make_q3_quants(int n, int nmax, const float* x, std::int8_t* L, bool do_rmse) {
    float amax;
    const float max = signed_extreme(n, x, &amax);
    if (amax < kGroupMaxEps) {
        std::memset(L, 0, static_cast<std::size_t>(n));
        return 0.f;
    }
    const float iscale = -static_cast<float>(nmax) / max;
    if (!do_rmse) {
        for (int i = 0; i < n; ++i)
            L[i] = static_cast<std::int8_t>(clamp_level(nearest_int(iscale * x[i]), -nmax, nmax - 1) + nmax);
        return 1 / iscale;
    }
    float sumlx = 0, suml2 = 0;
    for (int i = 0; i < n; ++i) {
        const int l = clamp_level(nearest_int(iscale * x[i]), -nmax, nmax - 1);
        L[i] = static_cast<std::int8_t>(l);
        const float w = x[i] * x[i];
        sumlx += w * x[i] * static_cast<float>(l);
        suml2 += w * static_cast<float>(l) * static_cast<float>(l);
    }
    for (int pass = 0; pass < 5; ++pass) {
        int n_changed = 0;
        for (int i = 0; i < n; ++i) {
            const float w = x[i] * x[i];
            float slx = sumlx - w * x[i] * static_cast<float>(L[i]);
            if (!(slx > 0)) continue;
            float sl2 = suml2 - w * static_cast<float>(L[i]) * static_cast<float>(L[i]);
            const int new_l = clamp_level(nearest_int(x[i] * sl2 / slx), -nmax, nmax - 1);
            if (new_l == L[i]) continue;
            slx += w * x[i] * static_cast<float>(new_l);
            sl2 += w * static_cast<float>(new_l) * static_cast<float>(new_l);
            if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
                L[i] = static_cast<std::int8_t>(new_l);
                sumlx = slx;
                suml2 = sl2;
                ++n_changed;
            }
        }
        if (n_changed == 0) break;
    }
    for (int i = 0; i < n; ++i) L[i] = static_cast<std::int8_t>(L[i] + nmax);
    return sumlx / suml2;
}

namespace {

// Shared body of make_qkx2_quants and make_qkx3_quants; the two differ only in the default weights and the
// zero-range guard.
float search_with_min(int n, int nmax, const float* x, const float* weights, std::uint8_t* L, float* the_min,
                      std::uint8_t* Laux, float rmin, float rdelta, int nstep, bool use_mad, bool v3, SearchPath path) {
    auto weight = [&](int i) { return weights != nullptr ? weights[i] : x[i] * x[i]; };
    float min = x[0], max = x[0];
    float sum_w = weight(0);
    float sum_x = sum_w * x[0];
    for (int i = 1; i < n; ++i) {
        if (x[i] < min) min = x[i];
        if (x[i] > max) max = x[i];
        const float w = weight(i);
        sum_w += w;
        sum_x += w * x[i];
    }
    if (min > 0) min = 0;
    if (v3 ? max <= min : max == min) {
        std::memset(L, 0, static_cast<std::size_t>(n));
        *the_min = -min;
        return 0.f;
    }
    float iscale = static_cast<float>(nmax) / (max - min);
    float scale = 1 / iscale;
    float best_mad = 0;
    for (int i = 0; i < n; ++i) {
        L[i] = static_cast<std::uint8_t>(clamp_level(nearest_int(iscale * (x[i] - min)), 0, nmax));
        float diff = scale * static_cast<float>(L[i]) + min - x[i];
        diff = use_mad ? std::fabs(diff) : diff * diff;
        best_mad += weight(i) * diff;
    }
    if (nstep < 1) {
        *the_min = -min;
        return scale;
    }
    if (path == SearchPath::Auto && n <= kMaxLanesGroup && trials_in_lanes()) {
        // 16 trials per register; each winner is applied here and the trials after it run again with its
        // minimum, as the loop below does
        float w[kMaxLanesGroup];
        for (int i = 0; i < n; ++i) w[i] = weight(i);
        const TrialScales s{n, nmax, nstep, x, w, max, sum_w, sum_x, rmin, rdelta, use_mad};
        TrialResult r;
        for (int first = 0;;) {
            const int j = first_better_step_avx512(s, first, min, best_mad, &r);
            if (j < 0) break;
            for (int i = 0; i < n; ++i) L[i] = static_cast<std::uint8_t>(clamp_level(nearest_int(r.iscale * (x[i] - min)), 0, nmax));
            best_mad = r.mad;
            scale = r.scale;
            min = r.min;
            first = j + 1;
        }
        *the_min = -min;
        return scale;
    }
    for (int is = 0; is <= nstep; ++is) {
        iscale = (rmin + rdelta * static_cast<float>(is) + static_cast<float>(nmax)) / (max - min);
        float sum_l = 0, sum_l2 = 0, sum_xl = 0;
        for (int i = 0; i < n; ++i) {
            const int l = clamp_level(nearest_int(iscale * (x[i] - min)), 0, nmax);
            Laux[i] = static_cast<std::uint8_t>(l);
            const float w = weight(i);
            const auto lf = static_cast<float>(l);
            sum_l += w * lf;
            sum_l2 += w * lf * lf;
            sum_xl += w * lf * x[i];
        }
        const float D = sum_w * sum_l2 - sum_l * sum_l;
        if (!(D > 0)) continue;
        float this_scale = (sum_w * sum_xl - sum_x * sum_l) / D;
        float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / D;
        if (this_min > 0) {
            this_min = 0;
            this_scale = sum_xl / sum_l2;
        }
        float mad = 0;
        for (int i = 0; i < n; ++i) {
            float diff = this_scale * static_cast<float>(Laux[i]) + this_min - x[i];
            diff = use_mad ? std::fabs(diff) : diff * diff;
            mad += weight(i) * diff;
        }
        if (mad < best_mad) {
            std::memcpy(L, Laux, static_cast<std::size_t>(n));
            best_mad = mad;
            scale = this_scale;
            min = this_min;
        }
    }
    *the_min = -min;
    return scale;
}

}  // namespace

float make_qkx2_quants(int n, int nmax, const float* x, const float* weights, std::uint8_t* L, float* the_min,
                       std::uint8_t* Laux, float rmin, float rdelta, int nstep, bool use_mad, SearchPath path) {
    return search_with_min(n, nmax, x, weights, L, the_min, Laux, rmin, rdelta, nstep, use_mad, false, path);
}

float make_qkx3_quants(int n, int nmax, const float* x, const float* weights, std::uint8_t* L, float* the_min,
                       std::uint8_t* Laux, float rmin, float rdelta, int nstep, bool use_mad, SearchPath path) {
    return search_with_min(n, nmax, x, weights, L, the_min, Laux, rmin, rdelta, nstep, use_mad, true, path);
}

float make_qp_quants(int n, int nmax, const float* x, std::uint8_t* L, const float* quant_weights) {
    float max = 0;
    for (int i = 0; i < n; ++i) max = std::max(max, x[i]);
    if (max == 0.0f) {
        std::memset(L, 0, static_cast<std::size_t>(n));
        return 0.f;
    }
    float iscale = static_cast<float>(nmax) / max;
    for (int i = 0; i < n; ++i) L[i] = static_cast<std::uint8_t>(nearest_int(iscale * x[i]));
    const float scale = 1 / iscale;
    float best_mse = 0;
    for (int i = 0; i < n; ++i) {
        const float diff = x[i] - scale * static_cast<float>(L[i]);
        best_mse += quant_weights[i] * diff * diff;
    }
    for (int is = -4; is <= 4; ++is) {
        if (is == 0) continue;
        const float iscale_is = (0.1f * static_cast<float>(is) + static_cast<float>(nmax)) / max;
        const float scale_is = 1 / iscale_is;
        float mse = 0;
        for (int i = 0; i < n; ++i) {
            const int l = std::min(nmax, nearest_int(iscale_is * x[i]));
            const float diff = x[i] - scale_is * static_cast<float>(l);
            mse += quant_weights[i] * diff * diff;
        }
        if (mse < best_mse) {
            best_mse = mse;
            iscale = iscale_is;
        }
    }
    float sumlx = 0, suml2 = 0;
    for (int i = 0; i < n; ++i) {
        const int l = std::min(nmax, nearest_int(iscale * x[i]));
        L[i] = static_cast<std::uint8_t>(l);
        const float w = quant_weights[i];
        sumlx += w * x[i] * static_cast<float>(l);
        suml2 += w * static_cast<float>(l) * static_cast<float>(l);
    }
    for (int pass = 0; pass < 5; ++pass) {
        int n_changed = 0;
        for (int i = 0; i < n; ++i) {
            const float w = quant_weights[i];
            float slx = sumlx - w * x[i] * static_cast<float>(L[i]);
            float sl2 = suml2 - w * static_cast<float>(L[i]) * static_cast<float>(L[i]);
            if (!(slx > 0 && sl2 > 0)) continue;
            const int new_l = std::min(nmax, nearest_int(x[i] * sl2 / slx));
            if (new_l == L[i]) continue;
            slx += w * x[i] * static_cast<float>(new_l);
            sl2 += w * static_cast<float>(new_l) * static_cast<float>(new_l);
            if (slx * slx * suml2 > sumlx * sumlx * sl2) {
                L[i] = static_cast<std::uint8_t>(new_l);
                sumlx = slx;
                suml2 = sl2;
                ++n_changed;
            }
        }
        if (n_changed == 0) break;
    }
    return sumlx / suml2;
}

}  // namespace qforge::kquant
