#include "quant/codecs/iq_dequant.h"

#include <bit>
#include <cstring>

#include "core/float_convert.h"
#include "quant/codecs/iq_grids.h"

namespace qforge {
namespace {

constexpr int kQK = 256;
constexpr float kIq1Delta = 0.125f;

std::uint8_t grid_byte(std::uint64_t entry, int j) { return static_cast<std::uint8_t>(entry >> (8 * j)); }
std::uint8_t grid_byte(std::uint32_t entry, int j) { return static_cast<std::uint8_t>(entry >> (8 * j)); }

// Eight weights: scale * grid value, negated where the sign byte has bit j.
template <typename Entry>
void emit8(float scale, Entry entry, std::uint8_t signs, float* y) {
    for (int j = 0; j < 8; ++j)
        y[j] = scale * static_cast<float>(grid_byte(entry, j)) * ((signs >> j) & 1 ? -1.f : 1.f);
}

// Four weights from an IQ3 grid entry with sign bits `first`..`first+3` of the sign byte.
void emit4(float scale, std::uint32_t entry, std::uint8_t signs, int first, float* y) {
    for (int j = 0; j < 4; ++j)
        y[j] = scale * static_cast<float>(grid_byte(entry, j)) * ((signs >> (first + j)) & 1 ? -1.f : 1.f);
}

// IQ1: signed grid values shifted by +-delta.
void emit8_iq1(float scale, std::uint64_t entry, float delta, float* y) {
    for (int j = 0; j < 8; ++j) y[j] = scale * (static_cast<float>(static_cast<std::int8_t>(grid_byte(entry, j))) + delta);
}

}  // namespace

std::uint8_t iq_signs(unsigned stored7) {
    return static_cast<std::uint8_t>((stored7 & 127) | ((std::popcount(stored7 & 127) & 1) << 7));
}

void dequantize_row_iq2_xxs(const BlockIQ2_XXS* x, float* y, std::int64_t n) {
    for (std::int64_t i = 0; i < n / kQK; ++i) {
        const float d = fp16_to_fp32(x[i].d);
        for (int ib = 0; ib < 8; ++ib) {
            std::uint32_t aux[2];
            std::memcpy(aux, x[i].qs + 4 * ib, sizeof(aux));
            const float db = d * (0.5f + static_cast<float>(aux[1] >> 28)) * 0.25f;
            for (int l = 0; l < 4; ++l, y += 8) {
                const auto index = static_cast<std::uint8_t>(aux[0] >> (8 * l));
                emit8(db, iq_grids::kIq2xxs[index], iq_signs((aux[1] >> (7 * l)) & 127), y);
            }
        }
    }
}

void dequantize_row_iq2_xs(const BlockIQ2_XS* x, float* y, std::int64_t n) {
    for (std::int64_t i = 0; i < n / kQK; ++i) {
        const float d = fp16_to_fp32(x[i].d);
        for (int ib = 0; ib < 8; ++ib) {
            const float db[2] = {d * (0.5f + static_cast<float>(x[i].scales[ib] & 0xf)) * 0.25f,
                                 d * (0.5f + static_cast<float>(x[i].scales[ib] >> 4)) * 0.25f};
            for (int l = 0; l < 4; ++l, y += 8) {
                const std::uint16_t q = x[i].qs[4 * ib + l];
                emit8(db[l / 2], iq_grids::kIq2xs[q & 511], iq_signs(q >> 9), y);
            }
        }
    }
}

void dequantize_row_iq2_s(const BlockIQ2_S* x, float* y, std::int64_t n) {
    for (std::int64_t i = 0; i < n / kQK; ++i) {
        const float d = fp16_to_fp32(x[i].d);
        const std::uint8_t* qs = x[i].qs;
        const std::uint8_t* signs = x[i].qs + kQK / 8;
        for (int ib = 0; ib < 8; ++ib, qs += 4, signs += 4) {
            const float db[2] = {d * (0.5f + static_cast<float>(x[i].scales[ib] & 0xf)) * 0.25f,
                                 d * (0.5f + static_cast<float>(x[i].scales[ib] >> 4)) * 0.25f};
            for (int l = 0; l < 4; ++l, y += 8) {
                const int index = qs[l] | ((x[i].qh[ib] << (8 - 2 * l)) & 0x300);
                emit8(db[l / 2], iq_grids::kIq2s[index], signs[l], y);
            }
        }
    }
}

void dequantize_row_iq3_xxs(const BlockIQ3_XXS* x, float* y, std::int64_t n) {
    for (std::int64_t i = 0; i < n / kQK; ++i) {
        const float d = fp16_to_fp32(x[i].d);
        const std::uint8_t* qs = x[i].qs;
        const std::uint8_t* scales_and_signs = x[i].qs + kQK / 4;
        for (int ib = 0; ib < 8; ++ib, qs += 8) {
            std::uint32_t aux;
            std::memcpy(&aux, scales_and_signs + 4 * ib, sizeof(aux));
            const float db = d * (0.5f + static_cast<float>(aux >> 28)) * 0.5f;
            for (int l = 0; l < 4; ++l, y += 8) {
                const std::uint8_t signs = iq_signs((aux >> (7 * l)) & 127);
                emit4(db, iq_grids::kIq3xxs[qs[2 * l]], signs, 0, y);
                emit4(db, iq_grids::kIq3xxs[qs[2 * l + 1]], signs, 4, y + 4);
            }
        }
    }
}

void dequantize_row_iq3_s(const BlockIQ3_S* x, float* y, std::int64_t n) {
    for (std::int64_t i = 0; i < n / kQK; ++i) {
        const float d = fp16_to_fp32(x[i].d);
        const std::uint8_t* qs = x[i].qs;
        const std::uint8_t* signs = x[i].signs;
        for (int ib = 0; ib < 8; ++ib, qs += 8, signs += 4) {
            const int sc = ib % 2 == 0 ? x[i].scales[ib / 2] & 0xf : x[i].scales[ib / 2] >> 4;
            const float db = d * static_cast<float>(1 + 2 * sc);
            const std::uint8_t qh = x[i].qh[ib];
            for (int l = 0; l < 4; ++l, y += 8) {
                emit4(db, iq_grids::kIq3s[qs[2 * l] | ((qh << (8 - 2 * l)) & 256)], signs[l], 0, y);
                emit4(db, iq_grids::kIq3s[qs[2 * l + 1] | ((qh << (7 - 2 * l)) & 256)], signs[l], 4, y + 4);
            }
        }
    }
}

void dequantize_row_iq1_s(const BlockIQ1_S* x, float* y, std::int64_t n) {
    for (std::int64_t i = 0; i < n / kQK; ++i) {
        const float d = fp16_to_fp32(x[i].d);
        for (int ib = 0; ib < 8; ++ib) {
            const std::uint16_t qh = x[i].qh[ib];
            const float dl = d * static_cast<float>(2 * ((qh >> 12) & 7) + 1);
            const float delta = qh & 0x8000 ? -kIq1Delta : kIq1Delta;
            for (int l = 0; l < 4; ++l, y += 8)
                emit8_iq1(dl, iq_grids::kIq1s[x[i].qs[4 * ib + l] | (((qh >> (3 * l)) & 7) << 8)], delta, y);
        }
    }
}

void dequantize_row_iq1_m(const BlockIQ1_M* x, float* y, std::int64_t n) {
    for (std::int64_t i = 0; i < n / kQK; ++i) {
        std::uint16_t sc[4];
        std::memcpy(sc, x[i].scales, sizeof(sc));
        const auto scale_bits = static_cast<std::uint16_t>((sc[0] >> 12) | ((sc[1] >> 8) & 0x00f0) |
                                                           ((sc[2] >> 4) & 0x0f00) | (sc[3] & 0xf000));
        const float d = fp16_to_fp32(scale_bits);
        const std::uint8_t* qs = x[i].qs;
        const std::uint8_t* qh = x[i].qh;
        for (int ib = 0; ib < 8; ++ib, qs += 4, qh += 2) {
            const float dl[2] = {d * static_cast<float>(2 * ((sc[ib / 2] >> (6 * (ib % 2))) & 7) + 1),
                                 d * static_cast<float>(2 * ((sc[ib / 2] >> (6 * (ib % 2) + 3)) & 7) + 1)};
            const int index[4] = {qs[0] | ((qh[0] << 8) & 0x700), qs[1] | ((qh[0] << 4) & 0x700),
                                  qs[2] | ((qh[1] << 8) & 0x700), qs[3] | ((qh[1] << 4) & 0x700)};
            const float delta[4] = {qh[0] & 0x08 ? -kIq1Delta : kIq1Delta, qh[0] & 0x80 ? -kIq1Delta : kIq1Delta,
                                    qh[1] & 0x08 ? -kIq1Delta : kIq1Delta, qh[1] & 0x80 ? -kIq1Delta : kIq1Delta};
            for (int l = 0; l < 4; ++l, y += 8) emit8_iq1(dl[l / 2], iq_grids::kIq1s[index[l]], delta[l], y);
        }
    }
}

}  // namespace qforge
