// IQ3_XXS and IQ3_S quantizers (ggml-quants.c quantize_row_iq3_xxs_impl and quantize_row_iq3_s_impl, c392e509).
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
constexpr int kMaxQ = 8;
constexpr float kGroupMaxEpsIq3xxs = 1e-8f;

}  // namespace

void quantize_row_iq3_xxs(const float* x, BlockIQ3_XXS* y, std::int64_t n, const float* importance) {
    const IqLattice& lat = IqLattice::of(TensorType::IQ3_XXS);
    const iq_search::Trials trials{-15, 15, 0.2f, iq_search::Refine::OffGridOnly, true};
    float scales[kQK / 32], weight[32], xval[32], waux[32];
    std::int8_t L[32] = {};
    std::uint8_t block_signs[4];
    std::uint8_t q3[3 * (kQK / 8)];  // 64 grid indices, then 8 words of signs and scale
    std::uint32_t scales_and_signs[kQK / 32];
    for (std::int64_t ibl = 0; ibl < n / kQK; ++ibl) {
        y[ibl].d = fp32_to_fp16(0.f);
        std::memset(q3, 0, sizeof(q3));
        std::memset(scales_and_signs, 0, sizeof(scales_and_signs));
        float max_scale = 0;
        const float* xbl = x + kQK * ibl;
        const float sigma2 = iq_search::block_sigma2(xbl, 2.f);
        for (int ib = 0; ib < kQK / 32; ++ib) {
            const float* xb = xbl + 32 * ib;
            iq_search::element_weights(xb, importance ? importance + kQK * ibl + 32 * ib : nullptr, sigma2, 32, weight);
            for (int i = 0; i < 32; ++i) waux[i] = std::sqrt(weight[i]);
            for (int k = 0; k < 4; ++k) block_signs[k] = iq_search::even_signs(xb + 8 * k, weight + 8 * k, xval + 8 * k);
            float max = xval[0];
            for (int i = 1; i < 32; ++i) max = max_of(max, xval[i]);
            if (max < kGroupMaxEpsIq3xxs) {
                scales[ib] = 0;
                std::memset(L, 0, sizeof(L));
                continue;
            }
            float scale = iq_search::search<4>(lat, 32, kMaxQ, xval, weight, waux, max, max / (2 * kMaxQ - 1), trials, L);
            if (scale < 0) {
                scale = -scale;
                for (int k = 0; k < 4; ++k) block_signs[k] = static_cast<std::uint8_t>(~block_signs[k] & 127);
            }
            for (int k = 0; k < 8; ++k) {
                const int g = lat.find(L + 4 * k);
                if (g < 0) fail("IQ3_XXS: quantized group left the codebook (block {}, group {})", ibl, 8 * ib + k);
                q3[8 * ib + k] = static_cast<std::uint8_t>(g);
            }
            scales_and_signs[ib] = block_signs[0] | (block_signs[1] << 7) | (block_signs[2] << 14) |
                                   (static_cast<std::uint32_t>(block_signs[3]) << 21);
            scales[ib] = scale;
            max_scale = max_of(max_scale, scale);
        }
        if (max_scale == 0) {
            std::memset(y[ibl].qs, 0, sizeof(y[ibl].qs));
            continue;
        }
        const float d = max_scale / 31;
        y[ibl].d = fp32_to_fp16(d * 1.0125f);
        const float id = 1 / d;
        for (int ib = 0; ib < kQK / 32; ++ib) scales_and_signs[ib] |= static_cast<std::uint32_t>(iq_search::scale_level(id, scales[ib], 15)) << 28;
        std::memcpy(y[ibl].qs, q3, kQK / 4);
        std::memcpy(y[ibl].qs + kQK / 4, scales_and_signs, sizeof(scales_and_signs));
    }
}

void quantize_row_iq3_s(const float* x, BlockIQ3_S* y, std::int64_t n, const float* importance) {
    constexpr int kBlock = 32, bs4 = kBlock / 4, bs8 = kBlock / 8;
    const IqLattice& lat = IqLattice::of(TensorType::IQ3_S);
    const iq_search::Trials trials{-9, 9, 0.2f, iq_search::Refine::AllWhenAnyOff, false};
    float scales[kQK / kBlock], weight[kBlock], xval[kBlock], waux[kBlock];
    std::int8_t L[kBlock] = {};
    std::uint8_t block_signs[bs8];
    for (std::int64_t ibl = 0; ibl < n / kQK; ++ibl) {
        std::memset(&y[ibl], 0, sizeof(BlockIQ3_S));
        y[ibl].d = fp32_to_fp16(0.f);
        // ggml advances these write positions only for groups that are not all zero: a zero group shifts the
        // rest of the block's indices and signs down, and the reader sees the file as it was written.
        std::uint8_t* qs = y[ibl].qs;
        std::uint8_t* signs = y[ibl].signs;
        float max_scale = 0;
        const float* xbl = x + kQK * ibl;
        const float sigma2 = iq_search::block_sigma2(xbl, 2.f);
        for (int ib = 0; ib < kQK / kBlock; ++ib) {
            const float* xb = xbl + kBlock * ib;
            iq_search::element_weights(xb, importance ? importance + kQK * ibl + kBlock * ib : nullptr, sigma2, kBlock, weight);
            for (int i = 0; i < kBlock; ++i) waux[i] = std::sqrt(weight[i]);
            for (int k = 0; k < bs8; ++k) block_signs[k] = iq_search::all_signs(xb + 8 * k, xval + 8 * k);
            float max = xval[0];
            for (int i = 1; i < kBlock; ++i) max = max_of(max, xval[i]);
            if (max == 0) {
                scales[ib] = 0;
                continue;
            }
            float scale = iq_search::search<4>(lat, kBlock, kMaxQ, xval, weight, waux, max, max / (2 * kMaxQ - 1), trials, L);
            if (scale < 0) {
                scale = -scale;
                for (int k = 0; k < bs8; ++k) block_signs[k] = static_cast<std::uint8_t>(~block_signs[k]);
            }
            for (int k = 0; k < bs4; ++k) {
                const int g = lat.find(L + 4 * k);
                if (g < 0) fail("IQ3_S: quantized group left the codebook (block {}, group {})", ibl, bs4 * ib + k);
                qs[k] = static_cast<std::uint8_t>(g & 255);
                y[ibl].qh[(ib * bs4 + k) / 8] |= static_cast<std::uint8_t>((g >> 8) << ((ib * bs4 + k) % 8));
            }
            qs += bs4;
            for (int k = 0; k < bs8; ++k) signs[k] = block_signs[k];
            signs += bs8;
            scales[ib] = scale;
            max_scale = max_of(max_scale, scale);
        }
        if (max_scale == 0) continue;
        const float d = max_scale / 31;
        y[ibl].d = fp32_to_fp16(d * 1.033f);
        const float id = 1 / d;
        for (int ib = 0; ib < kQK / kBlock; ib += 2)
            y[ibl].scales[ib / 2] = static_cast<std::uint8_t>(iq_search::scale_level(id, scales[ib], 15) | (iq_search::scale_level(id, scales[ib + 1], 15) << 4));
    }
}

}  // namespace qforge
