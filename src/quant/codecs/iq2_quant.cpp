// IQ2_XXS, IQ2_XS and IQ2_S quantizers (ggml-quants.c quantize_row_iq2_{xxs,xs,s}_impl, c392e509).
#include <cmath>
#include <cstring>

#include "core/error.h"
#include "core/float_convert.h"
#include "quant/codecs/iq_group_search.h"
#include "quant/codecs/iq_quant.h"
#include "quant/codecs/k_scale_search.h"

namespace qforge {
namespace {

using iq_search::max_of;

constexpr int kQK = 256;
constexpr int kMaxQ = 3;
constexpr float kGroupMaxEpsIq2s = 1e-8f;

void require_importance(const float* importance, const char* type) {
    if (importance == nullptr) fail("{} needs importance data (an imatrix) for every tensor it quantizes", type);
}

}  // namespace

void quantize_row_iq2_xxs(const float* x, BlockIQ2_XXS* y, std::int64_t n, const float* importance) {
    require_importance(importance, "IQ2_XXS");
    const IqLattice& lat = IqLattice::of(TensorType::IQ2_XXS);
    const iq_search::Trials trials{-6, 6, 0.1f, iq_search::Refine::Always, true};
    float scales[kQK / 32], weight[32], xval[32], waux[32];
    std::int8_t L[32] = {};
    std::uint8_t block_signs[4];
    std::uint32_t q2[2 * (kQK / 32)];
    for (std::int64_t ibl = 0; ibl < n / kQK; ++ibl) {
        y[ibl].d = fp32_to_fp16(0.f);
        std::memset(q2, 0, sizeof(q2));
        float max_scale = 0;
        const float* xbl = x + kQK * ibl;
        const float sigma2 = iq_search::block_sigma2(xbl, 1.f);
        for (int ib = 0; ib < kQK / 32; ++ib) {
            const float* xb = xbl + 32 * ib;
            iq_search::element_weights(xb, importance + kQK * ibl + 32 * ib, sigma2, 32, weight);
            for (int i = 0; i < 32; ++i) waux[i] = std::sqrt(weight[i]);
            for (int k = 0; k < 4; ++k) block_signs[k] = iq_search::even_signs(xb + 8 * k, weight + 8 * k, xval + 8 * k);
            float max = xval[0];
            for (int i = 1; i < 32; ++i) max = max_of(max, xval[i]);
            if (max < kGroupMaxEps) {
                scales[ib] = 0;
                std::memset(L, 0, sizeof(L));
                continue;
            }
            float scale = kquant::make_qp_quants(32, kMaxQ + 1, xval, reinterpret_cast<std::uint8_t*>(L), weight);
            const float eff_max = scale * kMaxQ;
            scale = iq_search::search<8>(lat, 32, kMaxQ, xval, weight, waux, eff_max, scale, trials, L);
            if (scale < 0) {  // never expected; the stored scale is unsigned, so the signs flip instead
                scale = -scale;
                for (int k = 0; k < 4; ++k) block_signs[k] = static_cast<std::uint8_t>(~block_signs[k] & 127);
            }
            for (int k = 0; k < 4; ++k) {
                const int g = lat.find(L + 8 * k);
                if (g < 0) fail("IQ2_XXS: quantized group left the codebook (block {}, group {})", ibl, 4 * ib + k);
                q2[2 * ib + 0] |= static_cast<std::uint32_t>(g) << (8 * k);
                q2[2 * ib + 1] |= static_cast<std::uint32_t>(block_signs[k]) << (7 * k);
            }
            scales[ib] = scale;
            max_scale = max_of(max_scale, scale);
        }
        if (max_scale == 0) {
            std::memset(y[ibl].qs, 0, sizeof(y[ibl].qs));
            continue;
        }
        const float d = max_scale / 31;
        y[ibl].d = fp32_to_fp16(d);
        const float id = 1 / d;
        for (int ib = 0; ib < kQK / 32; ++ib) q2[2 * ib + 1] |= static_cast<std::uint32_t>(iq_search::scale_level(id, scales[ib], 15)) << 28;
        std::memcpy(y[ibl].qs, q2, sizeof(y[ibl].qs));
    }
}

void quantize_row_iq2_xs(const float* x, BlockIQ2_XS* y, std::int64_t n, const float* importance) {
    require_importance(importance, "IQ2_XS");
    const IqLattice& lat = IqLattice::of(TensorType::IQ2_XS);
    const iq_search::Trials trials{-9, 9, 0.1f, iq_search::Refine::OffGridOnly, true};
    float scales[kQK / 16], weight[16], xval[16], waux[16];
    std::int8_t L[16] = {};
    std::uint8_t block_signs[2];
    std::uint16_t q2[2 * (kQK / 16)];
    for (std::int64_t ibl = 0; ibl < n / kQK; ++ibl) {
        y[ibl].d = fp32_to_fp16(0.f);
        std::memset(q2, 0, sizeof(q2));
        std::memset(y[ibl].scales, 0, sizeof(y[ibl].scales));
        float max_scale = 0;
        const float* xbl = x + kQK * ibl;
        const float sigma2 = iq_search::block_sigma2(xbl, 1.f);
        for (int ib = 0; ib < kQK / 16; ++ib) {
            const float* xb = xbl + 16 * ib;
            iq_search::element_weights(xb, importance + kQK * ibl + 16 * ib, sigma2, 16, weight);
            for (int i = 0; i < 16; ++i) waux[i] = std::sqrt(weight[i]);
            for (int k = 0; k < 2; ++k) block_signs[k] = iq_search::even_signs(xb + 8 * k, weight + 8 * k, xval + 8 * k);
            float max = xval[0];
            for (int i = 1; i < 16; ++i) max = max_of(max, xval[i]);
            if (max < kGroupMaxEps) {
                scales[ib] = 0;
                std::memset(L, 0, sizeof(L));
                continue;
            }
            float scale = iq_search::search<8>(lat, 16, kMaxQ, xval, weight, waux, max, max / (2 * kMaxQ - 1), trials, L);
            if (scale < 0) {
                scale = -scale;
                for (int k = 0; k < 2; ++k) block_signs[k] = static_cast<std::uint8_t>(~block_signs[k] & 127);
            }
            for (int k = 0; k < 2; ++k) {
                const int g = lat.find(L + 8 * k);
                if (g < 0) fail("IQ2_XS: quantized group left the codebook (block {}, group {})", ibl, 2 * ib + k);
                q2[2 * ib + k] = static_cast<std::uint16_t>(g | (block_signs[k] << 9));
            }
            scales[ib] = scale;
            max_scale = max_of(max_scale, scale);
        }
        if (max_scale == 0) {
            std::memset(y[ibl].qs, 0, sizeof(y[ibl].qs));
            continue;
        }
        const float d = max_scale / 31;
        y[ibl].d = fp32_to_fp16(d);
        const float id = 1 / d;
        for (int ib = 0; ib < kQK / 16; ++ib) {
            const int l = iq_search::scale_level(id, scales[ib], 15);
            if (ib % 2 == 0) y[ibl].scales[ib / 2] = static_cast<std::uint8_t>(l);
            else y[ibl].scales[ib / 2] |= static_cast<std::uint8_t>(l << 4);
        }
        std::memcpy(y[ibl].qs, q2, sizeof(y[ibl].qs));
    }
}

void quantize_row_iq2_s(const float* x, BlockIQ2_S* y, std::int64_t n, const float* importance) {
    const IqLattice& lat = IqLattice::of(TensorType::IQ2_S);
    const iq_search::Trials trials{-9, 9, 0.1f, iq_search::Refine::OffGridOnly, true};
    float scales[kQK / 16], weight[16], xval[16], waux[16];
    std::int8_t L[16] = {};
    std::uint8_t block_signs[2];
    for (std::int64_t ibl = 0; ibl < n / kQK; ++ibl) {
        std::memset(&y[ibl], 0, sizeof(BlockIQ2_S));
        y[ibl].d = fp32_to_fp16(0.f);
        float max_scale = 0;
        const float* xbl = x + kQK * ibl;
        const float sigma2 = iq_search::block_sigma2(xbl, 2.f);
        for (int ib = 0; ib < kQK / 16; ++ib) {
            const float* xb = xbl + 16 * ib;
            if (importance != nullptr) {
                iq_search::element_weights(xb, importance + kQK * ibl + 16 * ib, sigma2, 16, weight);
            } else {  // IQ2_S's own fallback weighting
                for (int i = 0; i < 16; ++i) weight[i] = 0.25f * sigma2 + xb[i] * xb[i];
            }
            for (int i = 0; i < 16; ++i) waux[i] = std::sqrt(weight[i]);
            for (int k = 0; k < 2; ++k) block_signs[k] = iq_search::all_signs(xb + 8 * k, xval + 8 * k);
            float max = xval[0];
            for (int i = 1; i < 16; ++i) max = max_of(max, xval[i]);
            if (max < kGroupMaxEpsIq2s) {
                scales[ib] = 0;
                continue;
            }
            float scale = iq_search::search<8>(lat, 16, kMaxQ, xval, weight, waux, max, max / (2 * kMaxQ - 1), trials, L);
            if (scale < 0) {
                scale = -scale;
                for (int k = 0; k < 2; ++k) block_signs[k] = static_cast<std::uint8_t>(~block_signs[k]);
            }
            for (int k = 0; k < 2; ++k) {
                const int g = lat.find(L + 8 * k);
                if (g < 0) fail("IQ2_S: quantized group left the codebook (block {}, group {})", ibl, 2 * ib + k);
                const int i8 = 2 * ib + k;
                y[ibl].qs[i8] = static_cast<std::uint8_t>(g & 255);
                y[ibl].qh[i8 / 4] |= static_cast<std::uint8_t>((g >> 8) << (2 * (i8 % 4)));
                y[ibl].qs[kQK / 8 + i8] = block_signs[k];
            }
            scales[ib] = scale;
            max_scale = max_of(max_scale, scale);
        }
        if (max_scale == 0) continue;
        const float d = max_scale / 31;
        y[ibl].d = fp32_to_fp16(d * 0.9875f);
        const float id = 1 / d;
        for (int ib = 0; ib < kQK / 16; ++ib) {
            const int l = iq_search::scale_level(id, scales[ib], 15);
            if (ib % 2 == 0) y[ibl].scales[ib / 2] = static_cast<std::uint8_t>(l);
            else y[ibl].scales[ib / 2] |= static_cast<std::uint8_t>(l << 4);
        }
    }
}

}  // namespace qforge
