#include "quant/codecs/iq4.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/float_convert.h"
#include "quant/codecs/iq4_search.h"
#include "quant/codecs/rounding.h"
#include "quant/kernels/vec_dot.h"

namespace qforge {
namespace {

constexpr const std::int8_t* kValues = kIQ4Values;
constexpr int kTries = 7;

int best_index(float x) {
    if (x <= kValues[0]) return 0;
    if (x >= kValues[15]) return 15;
    int lo = 0, hi = 15;
    while (hi - lo > 1) {
        const int mid = (lo + hi) / 2;
        if (x < kValues[mid]) hi = mid;
        else lo = mid;
    }
    return x - kValues[hi - 1] < kValues[hi] - x ? hi - 1 : hi;
}

bool trials_in_lanes() {
    static const bool yes = vec_dot_isa() == "avx512";  // QFORGE_NO_AVX512 / QFORGE_NO_SIMD turn it off
    return yes;
}

void nearest_levels(const float* x, float scale, int n, std::uint8_t* L, bool lanes) {
    if (lanes) iq4::nearest_levels_avx512(x, scale, n, L);
    else
        for (int j = 0; j < n; ++j) L[j] = static_cast<std::uint8_t>(best_index(scale * x[j]));
}

// llama.cpp's quantize_row_iq4_nl_impl for one super-block of `super` weights in blocks of 32. With lanes, the
// first scale and the 15 trials run in AVX-512 lanes (iq4_search.h), with the same results.
void quantize_super_block(int super, const float* x, const float* importance, std::uint16_t* dh, std::uint8_t* q4,
                          std::uint16_t* scales_h, std::uint8_t* scales_l, bool lanes) {
    float sigma2 = 0;
    for (int j = 0; j < super; ++j) sigma2 += x[j] * x[j];
    sigma2 *= 2.f / static_cast<float>(super);
    std::memset(q4, 0, static_cast<std::size_t>(super / 2));
    *dh = fp32_to_fp16(0.f);
    std::uint8_t L[kQK_K] = {};
    float scales[kQK_K / 32] = {}, weight[32];
    float max_scale = 0, amax_scale = 0;
    for (int ib = 0; ib < super / 32; ++ib) {
        const float* xb = x + ib * 32;
        std::uint8_t* Lb = L + ib * 32;
        for (int j = 0; j < 32; ++j)
            weight[j] = importance != nullptr ? importance[ib * 32 + j] * std::sqrt(sigma2 + xb[j] * xb[j]) : xb[j] * xb[j];
        float amax = 0, max = 0;
        for (int j = 0; j < 32; ++j) {
            const float ax = std::fabs(xb[j]);
            if (ax > amax) {
                amax = ax;
                max = xb[j];
            }
        }
        if (amax < kGroupMaxEps) {
            scales[ib] = 0;
            continue;
        }
        float d = -max / kValues[0];
        float id = 1 / d;
        if (lanes) {
            // lane 0: the first scale; lanes 1..15: the trials; then the loop's decisions in its order
            alignas(64) float ids[16], sumqxs[16], sumq2s[16];
            ids[0] = id;
            for (int itry = -kTries; itry <= kTries; ++itry) ids[itry + kTries + 1] = static_cast<float>(itry + kValues[0]) / max;
            iq4::trial_sums_avx512(xb, weight, ids, sumqxs, sumq2s);
            d = sumqxs[0] / sumq2s[0];
            float best = d * sumqxs[0];
            for (int t = 1; t < 16; ++t)
                if (sumq2s[t] > 0 && sumqxs[t] * sumqxs[t] > best * sumq2s[t]) {
                    d = sumqxs[t] / sumq2s[t];
                    best = d * sumqxs[t];
                }
            scales[ib] = d;
            if (std::fabs(d) > amax_scale) {
                amax_scale = std::fabs(d);
                max_scale = d;
            }
            continue;
        }
        float sumqx = 0, sumq2 = 0;
        for (int j = 0; j < 32; ++j) {
            const int l = best_index(id * xb[j]);
            Lb[j] = static_cast<std::uint8_t>(l);
            const float q = kValues[l], w = weight[j];
            sumqx += w * q * xb[j];
            sumq2 += w * q * q;
        }
        d = sumqx / sumq2;
        float best = d * sumqx;
        for (int itry = -kTries; itry <= kTries; ++itry) {
            id = static_cast<float>(itry + kValues[0]) / max;
            sumqx = sumq2 = 0;
            for (int j = 0; j < 32; ++j) {
                const float q = kValues[best_index(id * xb[j])], w = weight[j];
                sumqx += w * q * xb[j];
                sumq2 += w * q * q;
            }
            if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
                d = sumqx / sumq2;
                best = d * sumqx;
            }
        }
        scales[ib] = d;
        if (std::fabs(d) > amax_scale) {
            amax_scale = std::fabs(d);
            max_scale = d;
        }
    }
    if (super > 32) {
        const int nb = super / 32;
        std::memset(scales_h, 0, static_cast<std::size_t>((nb + 7) / 8) * sizeof(std::uint16_t));
        const float d = -max_scale / 32;
        *dh = fp32_to_fp16(d);
        const float id = d != 0.0f ? 1 / d : 0.f;
        for (int ib = 0; ib < nb; ++ib) {
            int l = std::max(-32, std::min(31, nearest_int(id * scales[ib])));
            const float dl = d * static_cast<float>(l);
            const float idl = dl != 0.0f ? 1 / dl : 0.f;
            nearest_levels(x + ib * 32, idl, 32, L + ib * 32, lanes);
            l += 32;
            const auto l_l = static_cast<std::uint8_t>(l & 0xf), l_h = static_cast<std::uint8_t>(l >> 4);
            if (ib % 2 == 0) scales_l[ib / 2] = l_l;
            else scales_l[ib / 2] = static_cast<std::uint8_t>(scales_l[ib / 2] | (l_l << 4));
            scales_h[ib / 8] = static_cast<std::uint16_t>(scales_h[ib / 8] | (l_h << 2 * (ib % 8)));
        }
    } else {
        *dh = fp32_to_fp16(scales[0]);
        const float id = scales[0] != 0.0f ? 1 / scales[0] : 0;
        nearest_levels(x, id, super, L, lanes);
    }
    for (int i = 0; i < super / 32; ++i)
        for (int j = 0; j < 16; ++j) q4[16 * i + j] = static_cast<std::uint8_t>(L[32 * i + j] | (L[32 * i + 16 + j] << 4));
}

void quantize_nl(const float* x, BlockIQ4_NL* y, std::int64_t n, const float* importance, bool lanes) {
    for (std::int64_t b = 0; b < n / kQK4_NL; ++b)
        quantize_super_block(kQK4_NL, x + b * kQK4_NL, importance ? importance + b * kQK4_NL : nullptr, &y[b].d,
                             y[b].qs, nullptr, nullptr, lanes);
}

void quantize_xs(const float* x, BlockIQ4_XS* y, std::int64_t n, const float* importance, bool lanes) {
    for (std::int64_t b = 0; b < n / kQK_K; ++b)
        quantize_super_block(kQK_K, x + b * kQK_K, importance ? importance + b * kQK_K : nullptr, &y[b].d, y[b].qs,
                             &y[b].scales_h, y[b].scales_l, lanes);
}

}  // namespace

void quantize_row_iq4_nl(const float* x, BlockIQ4_NL* y, std::int64_t n, const float* importance) {
    quantize_nl(x, y, n, importance, trials_in_lanes());
}

void quantize_row_iq4_xs(const float* x, BlockIQ4_XS* y, std::int64_t n, const float* importance) {
    quantize_xs(x, y, n, importance, trials_in_lanes());
}

void quantize_row_iq4_nl_scalar(const float* x, BlockIQ4_NL* y, std::int64_t n, const float* importance) {
    quantize_nl(x, y, n, importance, false);
}

void quantize_row_iq4_xs_scalar(const float* x, BlockIQ4_XS* y, std::int64_t n, const float* importance) {
    quantize_xs(x, y, n, importance, false);
}

void dequantize_row_iq4_nl(const BlockIQ4_NL* x, float* y, std::int64_t n) {
    for (std::int64_t b = 0; b < n / kQK4_NL; ++b, y += kQK4_NL) {
        const float d = fp16_to_fp32(x[b].d);
        for (int j = 0; j < 16; ++j) {
            y[j] = d * kValues[x[b].qs[j] & 0xf];
            y[j + 16] = d * kValues[x[b].qs[j] >> 4];
        }
    }
}

void dequantize_row_iq4_xs(const BlockIQ4_XS* x, float* y, std::int64_t n) {
    for (std::int64_t b = 0; b < n / kQK_K; ++b) {
        const float d = fp16_to_fp32(x[b].d);
        const std::uint8_t* qs = x[b].qs;
        for (int ib = 0; ib < kQK_K / 32; ++ib, y += 32, qs += 16) {
            const int ls = ((x[b].scales_l[ib / 2] >> 4 * (ib % 2)) & 0xf) | (((x[b].scales_h >> 2 * ib) & 3) << 4);
            const float dl = d * static_cast<float>(ls - 32);
            for (int j = 0; j < 16; ++j) {
                y[j] = dl * kValues[qs[j] & 0xf];
                y[j + 16] = dl * kValues[qs[j] >> 4];
            }
        }
    }
}

}  // namespace qforge
