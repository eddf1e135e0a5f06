#include "quant/methods/block_grid.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>

#include "core/error.h"
#include "core/float_convert.h"
#include "quant/codecs/codec_table.h"
#include "quant/codecs/iq4.h"
#include "quant/codecs/kquants.h"
#include "quant/codecs/legacy.h"
#include "quant/kernels/super_block.h"
#include "quant/kernels/super_block_iq.h"

namespace qforge {
namespace {

struct LegacyShape {
    int bits;
    bool has_min;
    std::int16_t zero;
};

bool legacy_shape(TensorType t, LegacyShape* s) {
    switch (t) {
        case TensorType::Q4_0: *s = {4, false, 8}; return true;
        case TensorType::Q4_1: *s = {4, true, 0}; return true;
        case TensorType::Q5_0: *s = {5, false, 16}; return true;
        case TensorType::Q5_1: *s = {5, true, 0}; return true;
        case TensorType::Q8_0: *s = {8, false, 128}; return true;
        case TensorType::IQ4_NL: *s = {4, false, 0}; return true;
        default: return false;
    }
}

// Bytes after the fp16 scale (and minimum) of a 32-column block: Q5 types keep their fifth bits first.
void pack_legacy(TensorType t, const std::uint8_t* L, std::uint8_t* block) {
    if (t == TensorType::Q8_0) {
        for (int j = 0; j < 32; ++j) block[2 + j] = static_cast<std::uint8_t>(static_cast<std::int8_t>(L[j] - 128));
        return;
    }
    LegacyShape s{};
    legacy_shape(t, &s);
    std::uint8_t* p = block + (s.has_min ? 4 : 2);
    if (s.bits == 5) {
        std::uint32_t qh = 0;
        for (int j = 0; j < 32; ++j) qh |= static_cast<std::uint32_t>((L[j] >> 4) & 1) << j;
        std::memcpy(p, &qh, sizeof(qh));
        p += 4;
    }
    for (int j = 0; j < 16; ++j) p[j] = static_cast<std::uint8_t>((L[j] & 0xF) | ((L[j + 16] & 0xF) << 4));
}

std::int16_t super_block_qmax(TensorType t) {
    switch (t) {
        case TensorType::Q2_K: return 3;
        case TensorType::Q3_K: return 7;
        case TensorType::Q4_K: return 15;
        case TensorType::Q5_K: return 31;
        default: return 63;  // Q6_K
    }
}

std::int16_t super_block_zero(TensorType t) { return t == TensorType::Q3_K ? 4 : t == TensorType::Q6_K ? 32 : 0; }

// IQ4_XS: IQ4_NL's 16 levels in 32-column sub-blocks whose 6-bit scales (offset by 32) multiply the
// super-block's fp16 scale.
void iq4_xs_grids(const std::uint8_t* block, ElementGrid* grids) {
    BlockIQ4_XS b;
    std::memcpy(&b, block, sizeof(b));
    const float d = fp16_to_fp32(b.d);
    for (int ib = 0; ib < kQK_K / 32; ++ib) {
        const int ls = ((b.scales_l[ib / 2] >> (4 * (ib % 2))) & 0xF) | (((b.scales_h >> (2 * ib)) & 3) << 4);
        ElementGrid g;
        g.a = d * static_cast<float>(ls - 32);
        g.qmax = 15;
        g.codebook = kIQ4Values;
        std::fill(grids + ib * 32, grids + ib * 32 + 32, g);
    }
}

void pack_iq4_xs(const std::uint8_t* L, std::uint8_t* block) {
    std::uint8_t* qs = block + offsetof(BlockIQ4_XS, qs);
    for (int ib = 0; ib < kQK_K / 32; ++ib)
        for (int j = 0; j < 16; ++j)
            qs[ib * 16 + j] = static_cast<std::uint8_t>((L[ib * 32 + j] & 0xF) | ((L[ib * 32 + j + 16] & 0xF) << 4));
}

}  // namespace

int nearest_level(const ElementGrid& g, float w) {
    if (g.codebook != nullptr) {
        int best = 0;
        float best_err = INFINITY;
        for (int q = 0; q <= g.qmax; ++q) {
            const float e = std::fabs(w - g.a * static_cast<float>(g.codebook[q]));
            if (e < best_err) {
                best_err = e;
                best = q;
            }
        }
        return best;
    }
    if (g.a == 0) return g.zero;  // every level is b
    const float q = std::nearbyint((w - g.b) / g.a) + static_cast<float>(g.zero);
    return static_cast<int>(std::clamp(q, 0.0f, static_cast<float>(g.qmax)));
}

float level_value(const ElementGrid& g, int q) {
    if (g.codebook != nullptr) return g.a * static_cast<float>(g.codebook[q]);
    return g.a * static_cast<float>(q - g.zero) + g.b;
}

bool BlockGrid::supports(TensorType t) {
    LegacyShape s{};
    return legacy_shape(t, &s) || t == TensorType::IQ4_XS || (is_super_block_type(t) && !is_iq_super_block_type(t)) ||
           CodebookGrid::supports(t);
}

BlockGrid::BlockGrid(TensorType t) : type_(t), columns_(static_cast<int>(traits(t).block_size)), bytes_(traits(t).type_size) {
    if (!supports(t)) fail("{} has no fixed-scale grid GPTQ can round onto", type_name(t));
    if (CodebookGrid::supports(t)) codebook_.emplace(t);
}

void BlockGrid::fix(const float* x, const float* importance, std::uint8_t* block, ElementGrid* grids) const {
    if (codebook_) return codebook_->fix(x, importance, block);
    quantize_row(type_, x, block, columns_, importance);
    LegacyShape s{};
    if (legacy_shape(type_, &s)) {
        std::uint16_t dh, mh = 0;
        std::memcpy(&dh, block, 2);
        if (s.has_min) std::memcpy(&mh, block + 2, 2);
        ElementGrid g;
        g.a = fp16_to_fp32(dh);
        g.b = s.has_min ? fp16_to_fp32(mh) : 0.0f;
        g.zero = s.zero;
        g.qmax = static_cast<std::int16_t>((1 << s.bits) - 1);
        if (type_ == TensorType::IQ4_NL) g.codebook = kIQ4Values;
        std::fill(grids, grids + columns_, g);
        return;
    }
    if (type_ == TensorType::IQ4_XS) return iq4_xs_grids(block, grids);
    SuperBlock sb;
    unpack_super_block_scales(type_, block, 0, sb);
    for (int e = 0; e < columns_; ++e) {
        ElementGrid& g = grids[e];
        g.a = sb.d * static_cast<float>(sb.scale[e / 16]);
        g.b = -(sb.dmin * static_cast<float>(sb.min[e / 16]));
        g.zero = super_block_zero(type_);
        g.qmax = super_block_qmax(type_);
        g.codebook = nullptr;
    }
}

void BlockGrid::round_group(std::uint8_t* block, int first, const float* x, const float* weight, const float* metric,
                            float* values) const {
    if (!codebook_) fail("{}: its elements are rounded one at a time, not in groups", type_name(type_));
    codebook_->round_group(block, first / CodebookGrid::kGroupColumns, x, weight, metric, values);
}

void BlockGrid::pack(const std::uint8_t* levels, std::uint8_t* block) const {
    if (codebook_) fail("{}: codebook groups are written by round_group", type_name(type_));
    switch (type_) {
        case TensorType::Q2_K: return pack_levels_q2_k(levels, *reinterpret_cast<BlockQ2_K*>(block));
        case TensorType::Q3_K: return pack_levels_q3_k(levels, *reinterpret_cast<BlockQ3_K*>(block));
        case TensorType::Q4_K: return pack_levels_q4_k(levels, *reinterpret_cast<BlockQ4_K*>(block));
        case TensorType::Q5_K: return pack_levels_q5_k(levels, *reinterpret_cast<BlockQ5_K*>(block));
        case TensorType::Q6_K: return pack_levels_q6_k(levels, *reinterpret_cast<BlockQ6_K*>(block));
        case TensorType::IQ4_XS: return pack_iq4_xs(levels, block);
        default: return pack_legacy(type_, levels, block);
    }
}

}  // namespace qforge
