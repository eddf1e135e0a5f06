// IQ1_S and IQ1_M quantizers (ggml-quants.c quantize_row_iq1_{s,m}_impl, c392e509): three levels per weight
// (-1, 0, 1, shifted by +-delta), so the best split of a sorted group into the three is found exhaustively;
// groups of 8 off the codebook move to their best neighbour.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/error.h"
#include "core/float_convert.h"
#include "quant/codecs/iq_group_search.h"
#include "quant/codecs/iq_quant.h"

namespace qforge {
namespace {

using iq_search::max_of;

constexpr int kQK = 256;
constexpr float kDelta = 0.125f;  // IQ1S_DELTA and IQ1M_DELTA
constexpr float kGroupMaxEpsIq1s = 1e-12f;
constexpr float kGroupMaxEpsIq1m = 1e-7f;
constexpr float kFltMin = 1.17549435e-38f;
constexpr float kXp[3] = {-1 + kDelta, kDelta, 1 + kDelta};
constexpr float kXm[3] = {-1 - kDelta, -kDelta, 1 - kDelta};

// Positions of the group's values in ascending order, equal values in their original order (glibc's qsort
// is a merge sort for arrays this small, so ggml's order is the stable one).
template <int N>
void sorted_positions(const float* xb, int* idx) {
    for (int j = 0; j < N; ++j) idx[j] = j;
    std::stable_sort(idx, idx + N, [xb](int a, int b) { return xb[a] < xb[b]; });
}

// The neighbour of off-grid levels L (`entry`, their lattice entry) whose shifted values xx[level] best fit xb
// at scale; writes its levels, returns its index. Four neighbours at a time, each lane running ggml's loop.
int best_neighbour(const IqLattice& lat, int entry, const float* xb, const float* weight, float scale, const float* xx,
                   std::int8_t* L) {
    using iq_search::Float4;
    using iq_search::splat;
    const IqLattice::Block b = lat.neighbour_block(entry);
    alignas(32) float d2[iq_search::kMaxNeighbours];
    const Float4 vscale = splat(scale), x0 = splat(xx[0]), x1 = splat(xx[1]), x2 = splat(xx[2]);
    const Float4 zero = splat(0.f), one = splat(1.f);
    for (int j0 = 0; j0 < b.stride; j0 += 4) {
        Float4 acc = zero;
        for (int i = 0; i < 8; ++i) {
            const Float4 l = iq_search::load4(b.level + i * b.stride + j0);
            const Float4 q = l == zero ? x0 : (l == one ? x1 : x2);
            const Float4 diff = vscale * q - splat(xb[i]);
            acc += splat(weight[i]) * diff * diff;
        }
        std::memcpy(d2 + j0, &acc, sizeof(acc));
    }
    int at = iq_search::first_smallest(d2, b.count);
    if (at < 0) at = 0;  // only when every distance is NaN or infinite
    const int index = b.index[at];
    const std::int8_t* p = lat.point(index);
    for (int i = 0; i < 8; ++i) L[i] = static_cast<std::int8_t>((p[i] - 1) / 2);
    return index;
}

}  // namespace

void quantize_row_iq1_s(const float* x, BlockIQ1_S* y, std::int64_t n, const float* importance) {
    constexpr int kBlock = 32;
    if (importance == nullptr) fail("IQ1_S needs importance data (an imatrix) for every tensor it quantizes");
    const IqLattice& lat = IqLattice::of(TensorType::IQ1_S);
    float scales[kQK / kBlock], weight[kBlock], sumx[kBlock + 1], sumw[kBlock + 1];
    std::int8_t L[kBlock];
    int idx[kBlock];
    std::uint16_t index[kBlock / 8];
    std::int8_t shifts[kQK / kBlock] = {};
    for (std::int64_t ibl = 0; ibl < n / kQK; ++ibl) {
        y[ibl].d = fp32_to_fp16(0.f);
        std::memset(y[ibl].qs, 0, sizeof(y[ibl].qs));
        std::memset(y[ibl].qh, 0, sizeof(y[ibl].qh));
        float max_scale = 0;
        const float* xbl = x + kQK * ibl;
        const float sigma2 = iq_search::block_sigma2(xbl, 2.f);
        for (int ib = 0; ib < kQK / kBlock; ++ib) {
            const float* xb = xbl + kBlock * ib;
            iq_search::element_weights(xb, importance + kQK * ibl + kBlock * ib, sigma2, kBlock, weight);
            float max = std::fabs(xb[0]);
            for (int i = 1; i < kBlock; ++i) max = max_of(max, std::fabs(xb[i]));
            if (max < kGroupMaxEpsIq1s) {
                scales[ib] = 0;
                std::memset(L, 1, sizeof(L));
                continue;
            }
            sorted_positions<kBlock>(xb, idx);
            sumx[0] = sumw[0] = 0;
            for (int j = 0; j < kBlock; ++j) {
                const int i = idx[j];
                sumx[j + 1] = sumx[j] + weight[i] * xb[i];
                sumw[j + 1] = sumw[j] + weight[i];
            }
            float best_score = -kFltMin, scale = max;
            int besti1 = -1, besti2 = -1, best_shift = 0;
            for (int i1 = 0; i1 <= kBlock; ++i1) {
                for (int i2 = i1; i2 <= kBlock; ++i2) {
                    float sumqx = (sumx[i1] - sumx[0]) * kXp[0] + (sumx[i2] - sumx[i1]) * kXp[1] + (sumx[kBlock] - sumx[i2]) * kXp[2];
                    float sumq2 = (sumw[i1] - sumw[0]) * kXp[0] * kXp[0] + (sumw[i2] - sumw[i1]) * kXp[1] * kXp[1] +
                                  (sumw[kBlock] - sumw[i2]) * kXp[2] * kXp[2];
                    if (sumq2 > 0 && sumqx * sumqx > best_score * sumq2) {
                        scale = sumqx / sumq2;
                        best_score = scale * sumqx;
                        besti1 = i1;
                        besti2 = i2;
                        best_shift = 1;
                    }
                    sumqx = (sumx[i1] - sumx[0]) * kXm[0] + (sumx[i2] - sumx[i1]) * kXm[1] + (sumx[kBlock] - sumx[i2]) * kXm[2];
                    sumq2 = (sumw[i1] - sumw[0]) * kXm[0] * kXm[0] + (sumw[i2] - sumw[i1]) * kXm[1] * kXm[1] +
                            (sumw[kBlock] - sumw[i2]) * kXm[2] * kXm[2];
                    if (sumq2 > 0 && sumqx * sumqx > best_score * sumq2) {
                        scale = sumqx / sumq2;
                        best_score = scale * sumqx;
                        besti1 = i1;
                        besti2 = i2;
                        best_shift = -1;
                    }
                }
            }
            if (besti1 < 0 || besti2 < 0 || best_shift == 0)
                fail("IQ1_S: no split of block {}, group {} fits (non-finite values or all-zero importance?)", ibl, ib);
            for (int j = 0; j < besti1; ++j) L[idx[j]] = 0;
            for (int j = besti1; j < besti2; ++j) L[idx[j]] = 1;
            for (int j = besti2; j < kBlock; ++j) L[idx[j]] = 2;
            if (scale < 0) {
                for (int j = 0; j < kBlock; ++j) L[j] = static_cast<std::int8_t>(2 - L[j]);
                scale = -scale;
                best_shift = -best_shift;
            }
            bool all_on_grid = true;
            const float* xx = best_shift == 1 ? kXp : kXm;
            for (int k = 0; k < kBlock / 8; ++k) {
                int g = lat.find(L + 8 * k);
                if (g < 0) {
                    all_on_grid = false;
                    g = best_neighbour(lat, g, xb + 8 * k, weight + 8 * k, scale, xx, L + 8 * k);
                }
                index[k] = static_cast<std::uint16_t>(g);
            }
            if (!all_on_grid) {
                float sumqx = 0, sumq2 = 0;
                for (int k = 0; k < kBlock / 8; ++k) {
                    const std::int8_t* p = lat.point(index[k]);
                    for (int j = 0; j < 8; ++j) {
                        const float w = weight[8 * k + j];
                        const float q = xx[(p[j] - 1) / 2];
                        sumqx += w * q * xb[8 * k + j];
                        sumq2 += w * q * q;
                    }
                }
                if (sumqx > 0 && sumq2 > 0) scale = sumqx / sumq2;
            }
            std::uint16_t h = 0;
            for (int k = 0; k < kBlock / 8; ++k) {
                y[ibl].qs[(kBlock / 8) * ib + k] = static_cast<std::uint8_t>(index[k] & 255);
                h = static_cast<std::uint16_t>(h | ((index[k] >> 8) << (3 * k)));
            }
            y[ibl].qh[ib] = h;
            scales[ib] = scale;
            shifts[ib] = static_cast<std::int8_t>(best_shift);
            max_scale = max_of(max_scale, scale);
        }
        if (max_scale == 0) continue;
        const float d = max_scale / 15;
        y[ibl].d = fp32_to_fp16(d * 1.125f);
        const float id = 1 / d;
        for (int ib = 0; ib < kQK / kBlock; ++ib) {
            int l = iq_search::scale_level(id, scales[ib], 7);
            if (shifts[ib] == -1) l |= 8;
            y[ibl].qh[ib] = static_cast<std::uint16_t>(y[ibl].qh[ib] | (l << 12));
        }
    }
}

void quantize_row_iq1_m(const float* x, BlockIQ1_M* y, std::int64_t n, const float* importance) {
    constexpr int kBlock = 16;
    constexpr std::uint8_t kMasks[4] = {0x00, 0x80, 0x08, 0x88};
    const IqLattice& lat = IqLattice::of(TensorType::IQ1_M);
    float scales[kQK / kBlock], weight[kBlock];
    std::int8_t L[kBlock];
    int idx[kBlock];
    std::uint16_t index[kBlock / 8];
    std::int8_t shifts[kQK / kBlock] = {};
    // Which shifted levels the first and second group of 8 use for each of the four sign choices:
    // 0: +,+  1: +,-  2: -,+  3: -,-
    auto levels_for = [](int choice, int k) { return k == 0 ? (choice < 2 ? kXp : kXm) : (choice % 2 == 0 ? kXp : kXm); };
    for (std::int64_t ibl = 0; ibl < n / kQK; ++ibl) {
        std::memset(y[ibl].qs, 0, sizeof(y[ibl].qs));
        std::memset(y[ibl].qh, 0, sizeof(y[ibl].qh));
        std::memset(y[ibl].scales, 0, sizeof(y[ibl].scales));
        float max_scale = 0;
        const float* xbl = x + kQK * ibl;
        const float sigma2 = iq_search::block_sigma2(xbl, 2.f);
        for (int ib = 0; ib < kQK / kBlock; ++ib) {
            const float* xb = xbl + kBlock * ib;
            iq_search::element_weights(xb, importance ? importance + kQK * ibl + kBlock * ib : nullptr, sigma2, kBlock, weight);
            float max = std::fabs(xb[0]);
            for (int i = 1; i < kBlock; ++i) max = max_of(max, std::fabs(xb[i]));
            if (max < kGroupMaxEpsIq1m) {
                scales[ib] = 0;
                std::memset(L, 1, sizeof(L));
                continue;
            }
            sorted_positions<kBlock>(xb, idx);
            float best_score = -kFltMin, scale = max;
            int besti1 = -1, besti2 = -1, best_k = -1;
            for (int i1 = 0; i1 <= kBlock; ++i1) {
                for (int i2 = i1; i2 <= kBlock; ++i2) {
                    float sumqx[4] = {}, sumq2[4] = {};
                    // Each of the three ranges adds its level's terms: the first half of the group takes the
                    // first sign choice's shift, the second half the second's.
                    auto add = [&](int from, int to, int level) {
                        for (int j = from; j < to; ++j) {
                            const int i = idx[j];
                            const float p = kXp[level], m = kXm[level];
                            if (i < kBlock / 2) {
                                sumqx[0] += weight[i] * p * xb[i];
                                sumqx[1] += weight[i] * p * xb[i];
                                sumqx[2] += weight[i] * m * xb[i];
                                sumqx[3] += weight[i] * m * xb[i];
                                sumq2[0] += weight[i] * p * p;
                                sumq2[1] += weight[i] * p * p;
                                sumq2[2] += weight[i] * m * m;
                                sumq2[3] += weight[i] * m * m;
                            } else {
                                sumqx[0] += weight[i] * p * xb[i];
                                sumqx[2] += weight[i] * p * xb[i];
                                sumqx[1] += weight[i] * m * xb[i];
                                sumqx[3] += weight[i] * m * xb[i];
                                sumq2[0] += weight[i] * p * p;
                                sumq2[2] += weight[i] * p * p;
                                sumq2[1] += weight[i] * m * m;
                                sumq2[3] += weight[i] * m * m;
                            }
                        }
                    };
                    add(0, i1, 0);
                    add(i1, i2, 1);
                    add(i2, kBlock, 2);
                    for (int k = 0; k < 4; ++k) {
                        if (sumq2[k] > 0 && sumqx[k] * sumqx[k] > best_score * sumq2[k]) {
                            scale = sumqx[k] / sumq2[k];
                            best_score = scale * sumqx[k];
                            besti1 = i1;
                            besti2 = i2;
                            best_k = k;
                        }
                    }
                }
            }
            if (besti1 < 0 || besti2 < 0 || best_k < 0)
                fail("IQ1_M: no split of block {}, group {} fits (non-finite values?)", ibl, ib);
            for (int j = 0; j < besti1; ++j) L[idx[j]] = 0;
            for (int j = besti1; j < besti2; ++j) L[idx[j]] = 1;
            for (int j = besti2; j < kBlock; ++j) L[idx[j]] = 2;
            if (scale < 0) {
                for (int j = 0; j < kBlock; ++j) L[j] = static_cast<std::int8_t>(2 - L[j]);
                scale = -scale;
                best_k = 3 - best_k;
            }
            bool all_on_grid = true;
            for (int k = 0; k < kBlock / 8; ++k) {
                int g = lat.find(L + 8 * k);
                if (g < 0) {
                    all_on_grid = false;
                    g = best_neighbour(lat, g, xb + 8 * k, weight + 8 * k, scale, levels_for(best_k, k), L + 8 * k);
                }
                index[k] = static_cast<std::uint16_t>(g);
            }
            if (!all_on_grid) {
                float sumqx = 0, sumq2 = 0;
                for (int k = 0; k < kBlock / 8; ++k) {
                    const float* xx = levels_for(best_k, k);
                    const std::int8_t* p = lat.point(index[k]);
                    for (int j = 0; j < 8; ++j) {
                        const float w = weight[8 * k + j];
                        const float q = xx[(p[j] - 1) / 2];
                        sumqx += w * q * xb[8 * k + j];
                        sumq2 += w * q * q;
                    }
                }
                if (sumqx > 0 && sumq2 > 0) scale = sumqx / sumq2;
            }
            y[ibl].qs[2 * ib + 0] = static_cast<std::uint8_t>(index[0] & 255);
            y[ibl].qs[2 * ib + 1] = static_cast<std::uint8_t>(index[1] & 255);
            y[ibl].qh[ib] = static_cast<std::uint8_t>((index[0] >> 8) | ((index[1] >> 8) << 4));
            scales[ib] = scale;
            shifts[ib] = static_cast<std::int8_t>(best_k);
            max_scale = max_of(max_scale, scale);
        }
        if (max_scale == 0) continue;
        std::uint16_t sc[4] = {};
        float d = max_scale / 15;
        const float id = 1 / d;
        float sumqx = 0, sumq2 = 0;
        for (int ib = 0; ib < kQK / kBlock; ++ib) {
            const int l = iq_search::scale_level(id, scales[ib], 7);
            sc[ib / 4] = static_cast<std::uint16_t>(sc[ib / 4] | (l << (3 * (ib % 4))));
            y[ibl].qh[ib] |= kMasks[shifts[ib]];
            const float* xb = xbl + kBlock * ib;
            iq_search::element_weights(xb, importance ? importance + kQK * ibl + kBlock * ib : nullptr, sigma2, kBlock, weight);
            for (int k = 0; k < kBlock / 8; ++k) {
                const float* xx = levels_for(shifts[ib], k);
                const std::int8_t* p = lat.point(y[ibl].qs[2 * ib + k] + ((y[ibl].qh[ib] << (8 - 4 * k)) & 0x700));
                for (int j = 0; j < 8; ++j) {
                    const float w = weight[8 * k + j];
                    const float q = xx[(p[j] - 1) / 2] * (2 * l + 1);
                    sumqx += w * q * xb[8 * k + j];
                    sumq2 += w * q * q;
                }
            }
        }
        if (sumq2 > 0) d = sumqx / sumq2;
        const std::uint16_t s = fp32_to_fp16(d * 1.1125f);  // its bits go to the top nibbles of the four words
        sc[0] = static_cast<std::uint16_t>(sc[0] | ((s & 0x000f) << 12));
        sc[1] = static_cast<std::uint16_t>(sc[1] | ((s & 0x00f0) << 8));
        sc[2] = static_cast<std::uint16_t>(sc[2] | ((s & 0x0f00) << 4));
        sc[3] = static_cast<std::uint16_t>(sc[3] | (s & 0xf000));
        std::memcpy(y[ibl].scales, sc, sizeof(sc));
    }
}

}  // namespace qforge
