#include "quant/kernels/super_block_iq.h"

#include <cstring>

#include "core/error.h"
#include "core/float_convert.h"
#include "quant/codecs/iq_dequant.h"
#include "quant/codecs/iq_grids.h"

namespace qforge {
namespace {

std::int8_t grid_value(std::uint64_t entry, int j) { return static_cast<std::int8_t>(entry >> (8 * j)); }

// Eight signed grid values: byte j negated where bit j of signs is set.
void put8(std::uint64_t entry, unsigned signs, std::int8_t* q) {
    for (int j = 0; j < 8; ++j) {
        const std::int8_t v = grid_value(entry, j);
        q[j] = static_cast<std::int8_t>((signs >> j) & 1 ? -v : v);
    }
}
void put4(std::uint32_t entry, unsigned signs, std::int8_t* q) {
    for (int j = 0; j < 4; ++j) {
        const auto v = static_cast<std::int8_t>(entry >> (8 * j));
        q[j] = static_cast<std::int8_t>((signs >> j) & 1 ? -v : v);
    }
}
// IQ1: 8 * (grid value + delta) with delta = +-1/8.
void put8_iq1(std::uint64_t entry, int delta8, std::int8_t* q) {
    for (int j = 0; j < 8; ++j) q[j] = static_cast<std::int8_t>(8 * grid_value(entry, j) + delta8);
}

void set_pair(SuperBlock& s, int ib32, int scale) {
    s.scale[2 * ib32] = s.scale[2 * ib32 + 1] = static_cast<std::int16_t>(scale);
}

void finish(SuperBlock& s, float d) {
    s.d = d;
    s.dmin = 0;
    std::memset(s.min, 0, sizeof(s.min));
}

void scales_iq2_xxs(const BlockIQ2_XXS& x, SuperBlock& s) {
    for (int ib = 0; ib < 8; ++ib) {
        std::uint32_t aux;
        std::memcpy(&aux, x.qs + 4 * ib + 2, sizeof(aux));
        set_pair(s, ib, 2 * static_cast<int>(aux >> 28) + 1);
    }
    finish(s, fp16_to_fp32(x.d) * 0.125f);
}
void unpack_iq2_xxs(const BlockIQ2_XXS& x, SuperBlock& s) {
    for (int ib = 0; ib < 8; ++ib) {
        std::uint32_t aux[2];
        std::memcpy(aux, x.qs + 4 * ib, sizeof(aux));
        for (int l = 0; l < 4; ++l)
            put8(iq_grids::kIq2xxs[(aux[0] >> (8 * l)) & 255], iq_signs((aux[1] >> (7 * l)) & 127), s.q + 32 * ib + 8 * l);
    }
    scales_iq2_xxs(x, s);
}

// IQ2_XS and IQ2_S: a 4-bit scale per 16.
void scales_nibbles(const std::uint8_t* scales, SuperBlock& s) {
    for (int ib = 0; ib < 8; ++ib) {
        s.scale[2 * ib] = static_cast<std::int16_t>(2 * (scales[ib] & 0xf) + 1);
        s.scale[2 * ib + 1] = static_cast<std::int16_t>(2 * (scales[ib] >> 4) + 1);
    }
}
void scales_iq2_xs(const BlockIQ2_XS& x, SuperBlock& s) {
    scales_nibbles(x.scales, s);
    finish(s, fp16_to_fp32(x.d) * 0.125f);
}
void unpack_iq2_xs(const BlockIQ2_XS& x, SuperBlock& s) {
    for (int g = 0; g < 32; ++g) put8(iq_grids::kIq2xs[x.qs[g] & 511], iq_signs(x.qs[g] >> 9), s.q + 8 * g);
    scales_iq2_xs(x, s);
}
void scales_iq2_s(const BlockIQ2_S& x, SuperBlock& s) {
    scales_nibbles(x.scales, s);
    finish(s, fp16_to_fp32(x.d) * 0.125f);
}
void unpack_iq2_s(const BlockIQ2_S& x, SuperBlock& s) {
    for (int g = 0; g < 32; ++g) {
        const int index = x.qs[g] | ((x.qh[g / 4] << (8 - 2 * (g % 4))) & 0x300);
        put8(iq_grids::kIq2s[index], x.qs[32 + g], s.q + 8 * g);
    }
    scales_iq2_s(x, s);
}

void scales_iq3_xxs(const BlockIQ3_XXS& x, SuperBlock& s) {
    for (int ib = 0; ib < 8; ++ib) {
        std::uint32_t aux;
        std::memcpy(&aux, x.qs + 64 + 4 * ib, sizeof(aux));
        set_pair(s, ib, 2 * static_cast<int>(aux >> 28) + 1);
    }
    finish(s, fp16_to_fp32(x.d) * 0.25f);
}
void unpack_iq3_xxs(const BlockIQ3_XXS& x, SuperBlock& s) {
    for (int ib = 0; ib < 8; ++ib) {
        std::uint32_t aux;
        std::memcpy(&aux, x.qs + 64 + 4 * ib, sizeof(aux));
        for (int l = 0; l < 4; ++l) {
            const std::uint8_t signs = iq_signs((aux >> (7 * l)) & 127);
            put4(iq_grids::kIq3xxs[x.qs[8 * ib + 2 * l]], signs, s.q + 32 * ib + 8 * l);
            put4(iq_grids::kIq3xxs[x.qs[8 * ib + 2 * l + 1]], signs >> 4, s.q + 32 * ib + 8 * l + 4);
        }
    }
    scales_iq3_xxs(x, s);
}

void scales_iq3_s(const BlockIQ3_S& x, SuperBlock& s) {
    for (int ib = 0; ib < 8; ++ib) set_pair(s, ib, 2 * ((x.scales[ib / 2] >> (4 * (ib % 2))) & 0xf) + 1);
    finish(s, fp16_to_fp32(x.d));
}
void unpack_iq3_s(const BlockIQ3_S& x, SuperBlock& s) {
    for (int ib = 0; ib < 8; ++ib) {
        const int qh = x.qh[ib];
        for (int l = 0; l < 4; ++l) {
            const std::uint8_t signs = x.signs[4 * ib + l];
            put4(iq_grids::kIq3s[x.qs[8 * ib + 2 * l] | ((qh << (8 - 2 * l)) & 256)], signs, s.q + 32 * ib + 8 * l);
            put4(iq_grids::kIq3s[x.qs[8 * ib + 2 * l + 1] | ((qh << (7 - 2 * l)) & 256)], signs >> 4, s.q + 32 * ib + 8 * l + 4);
        }
    }
    scales_iq3_s(x, s);
}

void scales_iq1_s(const BlockIQ1_S& x, SuperBlock& s) {
    for (int ib = 0; ib < 8; ++ib) set_pair(s, ib, 2 * ((x.qh[ib] >> 12) & 7) + 1);
    finish(s, fp16_to_fp32(x.d) * 0.125f);
}
void unpack_iq1_s(const BlockIQ1_S& x, SuperBlock& s) {
    for (int ib = 0; ib < 8; ++ib) {
        const int qh = x.qh[ib];
        const int delta8 = qh & 0x8000 ? -1 : 1;
        for (int l = 0; l < 4; ++l)
            put8_iq1(iq_grids::kIq1s[x.qs[4 * ib + l] | (((qh >> (3 * l)) & 7) << 8)], delta8, s.q + 32 * ib + 8 * l);
    }
    scales_iq1_s(x, s);
}

void scales_iq1_m(const BlockIQ1_M& x, SuperBlock& s) {
    std::uint16_t sc[4];
    std::memcpy(sc, x.scales, sizeof(sc));
    const auto bits = static_cast<std::uint16_t>((sc[0] >> 12) | ((sc[1] >> 8) & 0x00f0) | ((sc[2] >> 4) & 0x0f00) | (sc[3] & 0xf000));
    for (int ib = 0; ib < 8; ++ib) {
        s.scale[2 * ib] = static_cast<std::int16_t>(2 * ((sc[ib / 2] >> (6 * (ib % 2))) & 7) + 1);
        s.scale[2 * ib + 1] = static_cast<std::int16_t>(2 * ((sc[ib / 2] >> (6 * (ib % 2) + 3)) & 7) + 1);
    }
    finish(s, fp16_to_fp32(bits) * 0.125f);
}
void unpack_iq1_m(const BlockIQ1_M& x, SuperBlock& s) {
    for (int ib = 0; ib < 8; ++ib) {
        const std::uint8_t* qs = x.qs + 4 * ib;
        const std::uint8_t* qh = x.qh + 2 * ib;
        const int index[4] = {qs[0] | ((qh[0] << 8) & 0x700), qs[1] | ((qh[0] << 4) & 0x700), qs[2] | ((qh[1] << 8) & 0x700),
                              qs[3] | ((qh[1] << 4) & 0x700)};
        const int delta8[4] = {qh[0] & 0x08 ? -1 : 1, qh[0] & 0x80 ? -1 : 1, qh[1] & 0x08 ? -1 : 1, qh[1] & 0x80 ? -1 : 1};
        for (int l = 0; l < 4; ++l) put8_iq1(iq_grids::kIq1s[index[l]], delta8[l], s.q + 32 * ib + 8 * l);
    }
    scales_iq1_m(x, s);
}

}  // namespace

bool is_iq_super_block_type(TensorType w) {
    switch (w) {
        case TensorType::IQ2_XXS: case TensorType::IQ2_XS: case TensorType::IQ2_S: case TensorType::IQ3_XXS:
        case TensorType::IQ3_S: case TensorType::IQ1_S: case TensorType::IQ1_M:
            return true;
        default:
            return false;
    }
}

void unpack_iq_super_block_scales(TensorType w, const void* row, std::int64_t i, SuperBlock& out) {
    switch (w) {
        case TensorType::IQ2_XXS: return scales_iq2_xxs(static_cast<const BlockIQ2_XXS*>(row)[i], out);
        case TensorType::IQ2_XS: return scales_iq2_xs(static_cast<const BlockIQ2_XS*>(row)[i], out);
        case TensorType::IQ2_S: return scales_iq2_s(static_cast<const BlockIQ2_S*>(row)[i], out);
        case TensorType::IQ3_XXS: return scales_iq3_xxs(static_cast<const BlockIQ3_XXS*>(row)[i], out);
        case TensorType::IQ3_S: return scales_iq3_s(static_cast<const BlockIQ3_S*>(row)[i], out);
        case TensorType::IQ1_S: return scales_iq1_s(static_cast<const BlockIQ1_S*>(row)[i], out);
        case TensorType::IQ1_M: return scales_iq1_m(static_cast<const BlockIQ1_M*>(row)[i], out);
        default: fail("{} is not a codebook super-block type", type_name(w));
    }
}

void unpack_iq_super_block(TensorType w, const void* row, std::int64_t i, SuperBlock& out) {
    switch (w) {
        case TensorType::IQ2_XXS: return unpack_iq2_xxs(static_cast<const BlockIQ2_XXS*>(row)[i], out);
        case TensorType::IQ2_XS: return unpack_iq2_xs(static_cast<const BlockIQ2_XS*>(row)[i], out);
        case TensorType::IQ2_S: return unpack_iq2_s(static_cast<const BlockIQ2_S*>(row)[i], out);
        case TensorType::IQ3_XXS: return unpack_iq3_xxs(static_cast<const BlockIQ3_XXS*>(row)[i], out);
        case TensorType::IQ3_S: return unpack_iq3_s(static_cast<const BlockIQ3_S*>(row)[i], out);
        case TensorType::IQ1_S: return unpack_iq1_s(static_cast<const BlockIQ1_S*>(row)[i], out);
        case TensorType::IQ1_M: return unpack_iq1_m(static_cast<const BlockIQ1_M*>(row)[i], out);
        default: fail("{} is not a codebook super-block type", type_name(w));
    }
}

}  // namespace qforge
