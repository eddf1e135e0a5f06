#include "quant/codecs/kquants.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/float_convert.h"
#include "quant/codecs/k_scale_search.h"
#include "quant/codecs/rounding.h"

namespace qforge {
namespace {

using kquant::make_q3_quants;
using kquant::make_qkx2_quants;
using kquant::make_qkx3_quants;
using kquant::make_qp_quants;
using kquant::make_qx_quants;

// Four 2-bit levels per byte: byte l of each 32-byte group holds elements l, l+32, l+64, l+96 of 128.
template <typename Level>
void pack_2bit(const Level* L, std::uint8_t* qs) {
    for (int j = 0; j < kQK_K; j += 128)
        for (int l = 0; l < 32; ++l)
            qs[j / 4 + l] = static_cast<std::uint8_t>(L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) |
                                                      (L[j + l + 96] << 6));
}

// Q4_K/Q5_K: sub-blocks 0-3 keep their 6 bits in bytes 0-7; 4-7 split 4+2 bits.
void set_scale_min_k4(int j, std::uint8_t ls, std::uint8_t lm, std::uint8_t* q) {
    if (j < 4) {
        q[j] = ls;
        q[j + 4] = lm;
    } else {
        q[j + 4] = static_cast<std::uint8_t>((ls & 0xF) | ((lm & 0xF) << 4));
        q[j - 4] = static_cast<std::uint8_t>(q[j - 4] | ((ls >> 4) << 6));
        q[j] = static_cast<std::uint8_t>(q[j] | ((lm >> 4) << 6));
    }
}

// Q3_K: scale j (already offset to 0..63) into the 12 packed bytes, which start zeroed.
void set_scale_q3_k(int j, int l, std::uint8_t* q) {
    if (j < 8) q[j] = static_cast<std::uint8_t>(l & 0xF);
    else q[j - 8] = static_cast<std::uint8_t>(q[j - 8] | ((l & 0xF) << 4));
    l >>= 4;
    q[j % 4 + 8] = static_cast<std::uint8_t>(q[j % 4 + 8] | (l << (2 * (j / 4))));
}

// ---- Q2_K

// Levels again against the stored (fp16-rounded) scales, then packed.
void finish_q2_k(const float* x, BlockQ2_K& y, std::uint8_t* L) {
    for (int j = 0; j < kQK_K / 16; ++j) {
        const float d = fp16_to_fp32(y.d) * static_cast<float>(y.scales[j] & 0xF);
        if (d == 0.0f) continue;
        const float dm = fp16_to_fp32(y.dmin) * static_cast<float>(y.scales[j] >> 4);
        for (int ii = 0; ii < 16; ++ii)
            L[16 * j + ii] = static_cast<std::uint8_t>(std::clamp(nearest_int((x[16 * j + ii] + dm) / d), 0, 3));
    }
    pack_levels_q2_k(L, y);
}

void q2_k_reference(const float* x, BlockQ2_K& y) {
    std::uint8_t L[kQK_K], Laux[16];
    float weights[16], mins[kQK_K / 16], scales[kQK_K / 16];
    constexpr float q4scale = 15.f;
    float max_scale = 0, max_min = 0;
    for (int j = 0; j < kQK_K / 16; ++j) {
        for (int l = 0; l < 16; ++l) weights[l] = std::fabs(x[16 * j + l]);
        scales[j] = make_qkx2_quants(16, 3, x + 16 * j, weights, L + 16 * j, &mins[j], Laux, -0.5f, 0.1f, 15, true);
        max_scale = std::max(max_scale, scales[j]);
        max_min = std::max(max_min, mins[j]);
    }
    if (max_scale > 0) {
        const float iscale = q4scale / max_scale;
        for (int j = 0; j < kQK_K / 16; ++j) y.scales[j] = static_cast<std::uint8_t>(nearest_int(iscale * scales[j]));
        y.d = fp32_to_fp16(max_scale / q4scale);
    } else {
        std::memset(y.scales, 0, sizeof(y.scales));
        y.d = fp32_to_fp16(0.f);
    }
    if (max_min > 0) {
        const float iscale = q4scale / max_min;
        for (int j = 0; j < kQK_K / 16; ++j)
            y.scales[j] = static_cast<std::uint8_t>(y.scales[j] | (nearest_int(iscale * mins[j]) << 4));
        y.dmin = fp32_to_fp16(max_min / q4scale);
    } else {
        y.dmin = fp32_to_fp16(0.f);
    }
    finish_q2_k(x, y, L);
}

void q2_k_weighted(const float* x, BlockQ2_K& y, const float* qw) {
    std::uint8_t L[kQK_K], Laux[16], Ls[kQK_K / 16], Lm[kQK_K / 16];
    float mins[kQK_K / 16], scales[kQK_K / 16], sw[kQK_K / 16] = {}, weight[16];
    float sumx2 = 0;
    for (int j = 0; j < kQK_K; ++j) sumx2 += x[j] * x[j];
    const float sigma2 = sumx2 / kQK_K;
    for (int j = 0; j < kQK_K / 16; ++j) {
        for (int l = 0; l < 16; ++l) weight[l] = qw[16 * j + l] * std::sqrt(sigma2 + x[16 * j + l] * x[16 * j + l]);
        for (int l = 0; l < 16; ++l) sw[j] += weight[l];
        scales[j] = make_qkx3_quants(16, 3, x + 16 * j, weight, L + 16 * j, &mins[j], Laux, -0.9f, 0.05f, 36, false);
    }
    y.d = fp32_to_fp16(make_qp_quants(kQK_K / 16, 15, scales, Ls, sw));
    y.dmin = fp32_to_fp16(make_qp_quants(kQK_K / 16, 15, mins, Lm, sw));
    for (int j = 0; j < kQK_K / 16; ++j) y.scales[j] = static_cast<std::uint8_t>(Ls[j] | (Lm[j] << 4));
    finish_q2_k(x, y, L);
}

// ---- Q3_K

void finish_q3_k(const float* x, BlockQ3_K& y, std::int8_t* L) {
    std::int8_t sc[16];
    unpack_q3_k_scales(y.scales, sc);
    for (int j = 0; j < kQK_K / 16; ++j) {
        const float d = fp16_to_fp32(y.d) * static_cast<float>(sc[j]);
        if (d == 0.0f) continue;
        for (int ii = 0; ii < 16; ++ii)
            L[16 * j + ii] = static_cast<std::int8_t>(std::clamp(nearest_int(x[16 * j + ii] / d), -4, 3) + 4);
    }
    pack_levels_q3_k(reinterpret_cast<const std::uint8_t*>(L), y);
}

void q3_k_reference(const float* x, BlockQ3_K& y) {
    std::int8_t L[kQK_K];
    float scales[kQK_K / 16];
    float max_scale = 0, amax = 0;
    for (int j = 0; j < kQK_K / 16; ++j) {
        scales[j] = make_q3_quants(16, 4, x + 16 * j, L + 16 * j, true);
        const float scale = std::fabs(scales[j]);
        if (scale > amax) {
            amax = scale;
            max_scale = scales[j];
        }
    }
    std::memset(y.scales, 0, sizeof(y.scales));
    if (max_scale != 0.0f) {
        const float iscale = -32.f / max_scale;
        for (int j = 0; j < kQK_K / 16; ++j)
            set_scale_q3_k(j, std::clamp(nearest_int(iscale * scales[j]), -32, 31) + 32, y.scales);
        y.d = fp32_to_fp16(1 / iscale);
    } else {
        y.d = fp32_to_fp16(0.f);
    }
    finish_q3_k(x, y, L);
}

void q3_k_weighted(const float* x, BlockQ3_K& y, const float* qw) {
    std::int8_t L[kQK_K], Ls[kQK_K / 16];
    float scales[kQK_K / 16], weight[16], sw[kQK_K / 16];
    float sumx2 = 0;
    for (int j = 0; j < kQK_K; ++j) sumx2 += x[j] * x[j];
    const float sigma2 = 2 * sumx2 / kQK_K;
    for (int j = 0; j < kQK_K / 16; ++j) {
        for (int l = 0; l < 16; ++l) weight[l] = qw[16 * j + l] * std::sqrt(sigma2 + x[16 * j + l] * x[16 * j + l]);
        float sumw = 0;
        for (int l = 0; l < 16; ++l) sumw += weight[l];
        sw[j] = sumw;
        scales[j] = make_qx_quants(16, 4, x + 16 * j, L + 16 * j, 1, weight);
    }
    std::memset(y.scales, 0, sizeof(y.scales));
    const float d_block = make_qx_quants(kQK_K / 16, 32, scales, Ls, 1, sw);
    for (int j = 0; j < kQK_K / 16; ++j) set_scale_q3_k(j, Ls[j], y.scales);
    y.d = fp32_to_fp16(d_block);
    finish_q3_k(x, y, L);
}

// ---- Q4_K and Q5_K (same scale layout; Q5_K adds a fifth bit)

template <int Nmax>
void finish_q45_k(const float* x, const std::uint8_t* packed, std::uint16_t dh, std::uint16_t dminh, std::uint8_t* L) {
    for (int j = 0; j < kQK_K / 32; ++j) {
        std::uint8_t sc, m;
        get_scale_min_k4(j, packed, &sc, &m);
        const float d = fp16_to_fp32(dh) * static_cast<float>(sc);
        if (d == 0.0f) continue;
        const float dm = fp16_to_fp32(dminh) * static_cast<float>(m);
        for (int ii = 0; ii < 32; ++ii)
            L[32 * j + ii] = static_cast<std::uint8_t>(std::clamp(nearest_int((x[32 * j + ii] + dm) / d), 0, Nmax));
    }
}

}  // namespace

void pack_levels_q4_k(const std::uint8_t* L, BlockQ4_K& y) {
    std::uint8_t* q = y.qs;
    for (int j = 0; j < kQK_K; j += 64, q += 32)
        for (int l = 0; l < 32; ++l) q[l] = static_cast<std::uint8_t>(L[j + l] | (L[j + l + 32] << 4));
}

void pack_levels_q5_k(const std::uint8_t* L, BlockQ5_K& y) {
    std::memset(y.qh, 0, sizeof(y.qh));
    std::uint8_t* ql = y.qs;
    std::uint8_t m1 = 1, m2 = 2;
    for (int n = 0; n < kQK_K; n += 64, ql += 32) {
        for (int j = 0; j < 32; ++j) {
            int l1 = L[n + j], l2 = L[n + j + 32];
            if (l1 > 15) {
                l1 -= 16;
                y.qh[j] |= m1;
            }
            if (l2 > 15) {
                l2 -= 16;
                y.qh[j] |= m2;
            }
            ql[j] = static_cast<std::uint8_t>(l1 | (l2 << 4));
        }
        m1 = static_cast<std::uint8_t>(m1 << 2);
        m2 = static_cast<std::uint8_t>(m2 << 2);
    }
}

namespace {

// Reference search: per sub-block weights av|x| + |x|, then 6-bit scales against the largest.
template <int Nmax, typename Block>
void q45_k_reference(const float* x, Block& y, std::uint8_t* L, float rmin, float rdelta, int nstep) {
    std::uint8_t Laux[32];
    float weights[32], mins[kQK_K / 32], scales[kQK_K / 32];
    float max_scale = 0, max_min = 0;
    for (int j = 0; j < kQK_K / 32; ++j) {
        float sum_x2 = 0;
        for (int l = 0; l < 32; ++l) sum_x2 += x[32 * j + l] * x[32 * j + l];
        const float av_x = std::sqrt(sum_x2 / 32);
        for (int l = 0; l < 32; ++l) weights[l] = av_x + std::fabs(x[32 * j + l]);
        scales[j] = make_qkx2_quants(32, Nmax, x + 32 * j, weights, L + 32 * j, &mins[j], Laux, rmin, rdelta, nstep, false);
        max_scale = std::max(max_scale, scales[j]);
        max_min = std::max(max_min, mins[j]);
    }
    const float inv_scale = max_scale > 0 ? 63.f / max_scale : 0.f;
    const float inv_min = max_min > 0 ? 63.f / max_min : 0.f;
    std::memset(y.scales, 0, sizeof(y.scales));
    for (int j = 0; j < kQK_K / 32; ++j) {
        const auto ls = static_cast<std::uint8_t>(nearest_int(inv_scale * scales[j]));
        const auto lm = static_cast<std::uint8_t>(nearest_int(inv_min * mins[j]));
        set_scale_min_k4(j, std::min<std::uint8_t>(63, ls), std::min<std::uint8_t>(63, lm), y.scales);
    }
    y.d = fp32_to_fp16(max_scale / 63.f);
    y.dmin = fp32_to_fp16(max_min / 63.f);
    finish_q45_k<Nmax>(x, y.scales, y.d, y.dmin, L);
}

// imatrix search: weights qw * sqrt(sigma^2 + x^2), scales and mins themselves fitted by make_qp_quants.
template <int Nmax, typename Block>
void q45_k_weighted(const float* x, Block& y, std::uint8_t* L, const float* qw) {
    std::uint8_t Laux[32], Ls[kQK_K / 32], Lm[kQK_K / 32];
    float weights[32], sw[kQK_K / 32], mins[kQK_K / 32], scales[kQK_K / 32];
    float sum_x2 = 0;
    for (int l = 0; l < kQK_K; ++l) sum_x2 += x[l] * x[l];
    const float sigma2 = 2 * sum_x2 / kQK_K;
    for (int j = 0; j < kQK_K / 32; ++j) {
        for (int l = 0; l < 32; ++l) weights[l] = qw[32 * j + l] * std::sqrt(sigma2 + x[32 * j + l] * x[32 * j + l]);
        float sumw = 0;
        for (int l = 0; l < 32; ++l) sumw += weights[l];
        sw[j] = sumw;
        scales[j] = make_qkx3_quants(32, Nmax, x + 32 * j, weights, L + 32 * j, &mins[j], Laux, -0.9f, 0.05f, 36, false);
    }
    const float d_block = make_qp_quants(kQK_K / 32, 63, scales, Ls, sw);
    const float m_block = make_qp_quants(kQK_K / 32, 63, mins, Lm, sw);
    std::memset(y.scales, 0, sizeof(y.scales));
    for (int j = 0; j < kQK_K / 32; ++j)
        set_scale_min_k4(j, std::min<std::uint8_t>(63, Ls[j]), std::min<std::uint8_t>(63, Lm[j]), y.scales);
    y.d = fp32_to_fp16(d_block);
    y.dmin = fp32_to_fp16(m_block);
    finish_q45_k<Nmax>(x, y.scales, y.d, y.dmin, L);
}

// ---- Q6_K (the imatrix path only changes the weights of the sub-block search)

void q6_k_block(const float* x, BlockQ6_K& y, const float* qw) {
    std::int8_t L[kQK_K];
    float scales[kQK_K / 16];
    float max_scale = 0, max_abs_scale = 0;
    for (int ib = 0; ib < kQK_K / 16; ++ib) {
        const float scale = make_qx_quants(16, 32, x + 16 * ib, L + 16 * ib, 1, qw != nullptr ? qw + 16 * ib : nullptr);
        scales[ib] = scale;
        if (std::fabs(scale) > max_abs_scale) {
            max_abs_scale = std::fabs(scale);
            max_scale = scale;
        }
    }
    if (max_abs_scale < kGroupMaxEps) {
        std::memset(&y, 0, sizeof(y));
        return;
    }
    const float iscale = -128.f / max_scale;
    y.d = fp32_to_fp16(1 / iscale);
    for (int ib = 0; ib < kQK_K / 16; ++ib)
        y.scales[ib] = static_cast<std::int8_t>(std::min(127, nearest_int(iscale * scales[ib])));
    for (int j = 0; j < kQK_K / 16; ++j) {
        const float d = fp16_to_fp32(y.d) * static_cast<float>(y.scales[j]);
        if (d == 0.0f) continue;
        for (int ii = 0; ii < 16; ++ii)
            L[16 * j + ii] = static_cast<std::int8_t>(std::clamp(nearest_int(x[16 * j + ii] / d), -32, 31) + 32);
    }
    pack_levels_q6_k(reinterpret_cast<const std::uint8_t*>(L), y);
}

}  // namespace

void pack_levels_q2_k(const std::uint8_t* L, BlockQ2_K& y) { pack_2bit(L, y.qs); }

void pack_levels_q3_k(const std::uint8_t* L, BlockQ3_K& y) {
    // The high bit of element j goes to bit j/32 of hmask[j % 32]; the low two bits are packed as Q2_K's.
    std::uint8_t low[kQK_K];
    std::memset(y.hmask, 0, sizeof(y.hmask));
    for (int j = 0; j < kQK_K; ++j) {
        if (L[j] > 3) y.hmask[j % 32] = static_cast<std::uint8_t>(y.hmask[j % 32] | (1 << (j / 32)));
        low[j] = static_cast<std::uint8_t>(L[j] & 3);
    }
    pack_2bit(low, y.qs);
}

void pack_levels_q6_k(const std::uint8_t* L, BlockQ6_K& y) {
    std::uint8_t* ql = y.ql;
    std::uint8_t* qh = y.qh;
    for (int j = 0; j < kQK_K; j += 128, ql += 64, qh += 32) {
        for (int l = 0; l < 32; ++l) {
            const int q1 = L[j + l] & 0xF, q2 = L[j + l + 32] & 0xF, q3 = L[j + l + 64] & 0xF, q4 = L[j + l + 96] & 0xF;
            ql[l] = static_cast<std::uint8_t>(q1 | (q3 << 4));
            ql[l + 32] = static_cast<std::uint8_t>(q2 | (q4 << 4));
            qh[l] = static_cast<std::uint8_t>((L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) | ((L[j + l + 64] >> 4) << 4) |
                                              ((L[j + l + 96] >> 4) << 6));
        }
    }
}

void get_scale_min_k4(int j, const std::uint8_t* q, std::uint8_t* scale, std::uint8_t* min) {
    if (j < 4) {
        *scale = q[j] & 63;
        *min = q[j + 4] & 63;
    } else {
        *scale = static_cast<std::uint8_t>((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
        *min = static_cast<std::uint8_t>((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
    }
}

void unpack_q3_k_scales(const std::uint8_t* packed, std::int8_t* scales16) {
    for (int j = 0; j < 16; ++j) {
        const int low = j < 8 ? packed[j] & 0xF : packed[j - 8] >> 4;
        const int high = (packed[8 + j % 4] >> (2 * (j / 4))) & 3;
        scales16[j] = static_cast<std::int8_t>((low | (high << 4)) - 32);
    }
}

void quantize_row_q2_k(const float* x, BlockQ2_K* y, std::int64_t n, const float* importance) {
    for (std::int64_t i = 0; i < n / kQK_K; ++i) {
        if (importance != nullptr) q2_k_weighted(x + i * kQK_K, y[i], importance + i * kQK_K);
        else q2_k_reference(x + i * kQK_K, y[i]);
    }
}

void quantize_row_q3_k(const float* x, BlockQ3_K* y, std::int64_t n, const float* importance) {
    for (std::int64_t i = 0; i < n / kQK_K; ++i) {
        if (importance != nullptr) q3_k_weighted(x + i * kQK_K, y[i], importance + i * kQK_K);
        else q3_k_reference(x + i * kQK_K, y[i]);
    }
}

void quantize_row_q4_k(const float* x, BlockQ4_K* y, std::int64_t n, const float* importance) {
    std::uint8_t L[kQK_K];
    for (std::int64_t i = 0; i < n / kQK_K; ++i) {
        if (importance != nullptr) q45_k_weighted<15>(x + i * kQK_K, y[i], L, importance + i * kQK_K);
        else q45_k_reference<15>(x + i * kQK_K, y[i], L, -1.f, 0.1f, 20);
        pack_levels_q4_k(L, y[i]);
    }
}

void quantize_row_q5_k(const float* x, BlockQ5_K* y, std::int64_t n, const float* importance) {
    std::uint8_t L[kQK_K];
    for (std::int64_t i = 0; i < n / kQK_K; ++i) {
        if (importance != nullptr) q45_k_weighted<31>(x + i * kQK_K, y[i], L, importance + i * kQK_K);
        else q45_k_reference<31>(x + i * kQK_K, y[i], L, -0.5f, 0.1f, 15);
        pack_levels_q5_k(L, y[i]);
    }
}

void quantize_row_q6_k(const float* x, BlockQ6_K* y, std::int64_t n, const float* importance) {
    for (std::int64_t i = 0; i < n / kQK_K; ++i)
        q6_k_block(x + i * kQK_K, y[i], importance != nullptr ? importance + i * kQK_K : nullptr);
}

void quantize_row_q8_k(const float* x, BlockQ8_K* y, std::int64_t n) {
    for (std::int64_t i = 0; i < n / kQK_K; ++i, x += kQK_K) {
        float max = 0, amax = 0;
        for (int j = 0; j < kQK_K; ++j) {
            if (std::fabs(x[j]) > amax) {
                amax = std::fabs(x[j]);
                max = x[j];
            }
        }
        if (amax == 0.0f) {
            std::memset(&y[i], 0, sizeof(y[i]));
            continue;
        }
        const float iscale = -127.f / max;
        for (int j = 0; j < kQK_K; ++j) y[i].qs[j] = static_cast<std::int8_t>(std::min(127, nearest_int(iscale * x[j])));
        for (int j = 0; j < kQK_K / 16; ++j) {
            int sum = 0;
            for (int ii = 0; ii < 16; ++ii) sum += y[i].qs[j * 16 + ii];
            y[i].bsums[j] = static_cast<std::int16_t>(sum);
        }
        y[i].d = 1 / iscale;
    }
}

void dequantize_row_q2_k(const BlockQ2_K* x, float* y, std::int64_t n) {
    for (std::int64_t i = 0; i < n / kQK_K; ++i) {
        const float d = fp16_to_fp32(x[i].d), min = fp16_to_fp32(x[i].dmin);
        for (int e = 0; e < kQK_K; ++e) {
            // Element e: 128-half h, shift group g (0..3), position p in 0..31; scale index 16-element group.
            const int h = e / 128, g = (e % 128) / 32, p = e % 32;
            const std::uint8_t sc = x[i].scales[e / 16];
            const int q = (x[i].qs[32 * h + p] >> (2 * g)) & 3;
            *y++ = d * static_cast<float>(sc & 0xF) * static_cast<float>(q) - min * static_cast<float>(sc >> 4);
        }
    }
}

void dequantize_row_q3_k(const BlockQ3_K* x, float* y, std::int64_t n) {
    for (std::int64_t i = 0; i < n / kQK_K; ++i) {
        const float d_all = fp16_to_fp32(x[i].d);
        std::int8_t sc[16];
        unpack_q3_k_scales(x[i].scales, sc);
        for (int e = 0; e < kQK_K; ++e) {
            const int h = e / 128, g = (e % 128) / 32, p = e % 32;
            const int low = (x[i].qs[32 * h + p] >> (2 * g)) & 3;
            const int high = (x[i].hmask[p] >> (4 * h + g)) & 1;
            *y++ = d_all * static_cast<float>(sc[e / 16]) * static_cast<float>(low - (high ? 0 : 4));
        }
    }
}

void dequantize_row_q4_k(const BlockQ4_K* x, float* y, std::int64_t n) {
    for (std::int64_t i = 0; i < n / kQK_K; ++i) {
        const float d = fp16_to_fp32(x[i].d), min = fp16_to_fp32(x[i].dmin);
        for (int j = 0; j < kQK_K / 32; ++j) {
            std::uint8_t sc, m;
            get_scale_min_k4(j, x[i].scales, &sc, &m);
            const float dl = d * sc, ml = min * m;
            const std::uint8_t* q = x[i].qs + 32 * (j / 2);
            for (int l = 0; l < 32; ++l) *y++ = dl * static_cast<float>(j % 2 ? q[l] >> 4 : q[l] & 0xF) - ml;
        }
    }
}

void dequantize_row_q5_k(const BlockQ5_K* x, float* y, std::int64_t n) {
    for (std::int64_t i = 0; i < n / kQK_K; ++i) {
        const float d = fp16_to_fp32(x[i].d), min = fp16_to_fp32(x[i].dmin);
        for (int j = 0; j < kQK_K / 32; ++j) {
            std::uint8_t sc, m;
            get_scale_min_k4(j, x[i].scales, &sc, &m);
            const float dl = d * sc, ml = min * m;
            const std::uint8_t* q = x[i].qs + 32 * (j / 2);
            for (int l = 0; l < 32; ++l) {
                const int low = j % 2 ? q[l] >> 4 : q[l] & 0xF;
                const int high = (x[i].qh[l] >> j) & 1;
                *y++ = dl * static_cast<float>(low + 16 * high) - ml;
            }
        }
    }
}

void dequantize_row_q6_k(const BlockQ6_K* x, float* y, std::int64_t n) {
    for (std::int64_t i = 0; i < n / kQK_K; ++i) {
        const float d = fp16_to_fp32(x[i].d);
        for (int e = 0; e < kQK_K; ++e) {
            const int h = e / 128, g = (e % 128) / 32, p = e % 32;
            const std::uint8_t lbyte = x[i].ql[64 * h + 32 * (g % 2) + p];
            const int low = g < 2 ? lbyte & 0xF : lbyte >> 4;
            const int high = (x[i].qh[32 * h + p] >> (2 * g)) & 3;
            *y++ = d * static_cast<float>(x[i].scales[e / 16]) * static_cast<float>((low | (high << 4)) - 32);
        }
    }
}

void dequantize_row_q8_k(const BlockQ8_K* x, float* y, std::int64_t n) {
    for (std::int64_t i = 0; i < n / kQK_K; ++i)
        for (int j = 0; j < kQK_K; ++j) *y++ = x[i].d * static_cast<float>(x[i].qs[j]);
}

}  // namespace qforge
