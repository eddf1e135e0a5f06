#include "quant/codecs/legacy_weighted.h"

#include <cmath>
#include <cstring>

#include "core/float_convert.h"
#include "quant/codecs/k_scale_search.h"

namespace qforge {
namespace {

float row_sigma2(const float* x, std::int64_t n) {
    float sum_x2 = 0;
    for (std::int64_t j = 0; j < n; ++j) sum_x2 += x[j] * x[j];
    return sum_x2 / static_cast<float>(n);
}

void block_weights(const float* xb, const float* qw, float sigma2, float* weight) {
    for (int j = 0; j < kQK4; ++j) weight[j] = qw[j] * std::sqrt(sigma2 + xb[j] * xb[j]);
}

template <typename Level>
void pack_nibbles(const Level* L, std::uint8_t* qs) {
    for (int j = 0; j < kQK4 / 2; ++j) qs[j] = static_cast<std::uint8_t>((L[j] & 0x0F) | ((L[j + kQK4 / 2] & 0x0F) << 4));
}

template <typename Level>
void pack_fifth_bits(const Level* L, std::uint8_t* qh_out) {
    std::uint32_t qh = 0;
    for (int j = 0; j < kQK4 / 2; ++j) {
        qh |= ((static_cast<std::uint32_t>(static_cast<std::uint8_t>(L[j])) & 0x10u) >> 4) << j;
        qh |= ((static_cast<std::uint32_t>(static_cast<std::uint8_t>(L[j + kQK4 / 2])) & 0x10u) >> 4) << (j + kQK4 / 2);
    }
    std::memcpy(qh_out, &qh, sizeof(qh));
}

}  // namespace

void quantize_row_q4_0_weighted(const float* x, BlockQ4_0* y, std::int64_t n, const float* importance) {
    const float sigma2 = row_sigma2(x, n);
    float weight[kQK4];
    std::int8_t L[kQK4];
    for (std::int64_t ib = 0; ib < n / kQK4; ++ib) {
        block_weights(x + kQK4 * ib, importance + kQK4 * ib, sigma2, weight);
        y[ib].d = fp32_to_fp16(kquant::make_qx_quants(kQK4, 8, x + kQK4 * ib, L, 1, weight));
        pack_nibbles(L, y[ib].qs);
    }
}

void quantize_row_q4_1_weighted(const float* x, BlockQ4_1* y, std::int64_t n, const float* importance) {
    const float sigma2 = row_sigma2(x, n);
    float weight[kQK4], min;
    std::uint8_t L[kQK4], Laux[kQK4];
    for (std::int64_t ib = 0; ib < n / kQK4; ++ib) {
        block_weights(x + kQK4 * ib, importance + kQK4 * ib, sigma2, weight);
        const float d = kquant::make_qkx3_quants(kQK4, 15, x + kQK4 * ib, weight, L, &min, Laux, -0.9f, 0.05f, 36, false);
        y[ib].d = fp32_to_fp16(d);
        y[ib].m = fp32_to_fp16(-min);
        pack_nibbles(L, y[ib].qs);
    }
}

void quantize_row_q5_0_weighted(const float* x, BlockQ5_0* y, std::int64_t n, const float* importance) {
    const float sigma2 = row_sigma2(x, n);
    float weight[kQK4];
    std::int8_t L[kQK4];
    for (std::int64_t ib = 0; ib < n / kQK4; ++ib) {
        block_weights(x + kQK4 * ib, importance + kQK4 * ib, sigma2, weight);
        y[ib].d = fp32_to_fp16(kquant::make_qx_quants(kQK4, 16, x + kQK4 * ib, L, 1, weight));
        pack_nibbles(L, y[ib].qs);
        pack_fifth_bits(L, y[ib].qh);
    }
}

void quantize_row_q5_1_weighted(const float* x, BlockQ5_1* y, std::int64_t n, const float* importance) {
    const float sigma2 = row_sigma2(x, n);
    float weight[kQK4], min;
    std::uint8_t L[kQK4], Laux[kQK4];
    for (std::int64_t ib = 0; ib < n / kQK4; ++ib) {
        block_weights(x + kQK4 * ib, importance + kQK4 * ib, sigma2, weight);
        const float d = kquant::make_qkx3_quants(kQK4, 31, x + kQK4 * ib, weight, L, &min, Laux, -0.9f, 0.05f, 36, false);
        y[ib].d = fp32_to_fp16(d);
        y[ib].m = fp32_to_fp16(-min);
        pack_nibbles(L, y[ib].qs);
        pack_fifth_bits(L, y[ib].qh);
    }
}

}  // namespace qforge
