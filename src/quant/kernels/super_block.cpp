#include "quant/kernels/super_block.h"

#include <cstring>

#include "core/error.h"
#include "core/float_convert.h"
#include "quant/codecs/iq4.h"
#include "quant/codecs/kquants.h"
#include "quant/kernels/super_block_iq.h"

namespace qforge {
namespace {

// Element e of a 2-bit-packed super-block: byte 32*(e/128) + e%32, bits 2*((e%128)/32).
int two_bits(const std::uint8_t* qs, int e) { return (qs[32 * (e / 128) + e % 32] >> (2 * ((e % 128) / 32))) & 3; }

void scales_q2_k(const BlockQ2_K& x, SuperBlock& s) {
    for (int g = 0; g < 16; ++g) {
        s.scale[g] = static_cast<std::int16_t>(x.scales[g] & 0xF);
        s.min[g] = static_cast<std::int16_t>(x.scales[g] >> 4);
    }
    s.d = fp16_to_fp32(x.d);
    s.dmin = fp16_to_fp32(x.dmin);
}

void unpack_q2_k(const BlockQ2_K& x, SuperBlock& s) {
    for (int e = 0; e < 256; ++e) s.q[e] = static_cast<std::int8_t>(two_bits(x.qs, e));
    scales_q2_k(x, s);
}

void scales_q3_k(const BlockQ3_K& x, SuperBlock& s) {
    std::int8_t sc[16];
    unpack_q3_k_scales(x.scales, sc);
    for (int g = 0; g < 16; ++g) {
        s.scale[g] = sc[g];
        s.min[g] = 0;
    }
    s.d = fp16_to_fp32(x.d);
    s.dmin = 0;
}

void unpack_q3_k(const BlockQ3_K& x, SuperBlock& s) {
    for (int e = 0; e < 256; ++e) {
        const int high = (x.hmask[e % 32] >> (e / 32)) & 1;
        s.q[e] = static_cast<std::int8_t>(two_bits(x.qs, e) - (high ? 0 : 4));
    }
    scales_q3_k(x, s);
}

template <typename Block>
void scales_mins_k4(const Block& x, SuperBlock& s) {
    for (int j = 0; j < 8; ++j) {
        std::uint8_t sc, m;
        get_scale_min_k4(j, x.scales, &sc, &m);
        s.scale[2 * j] = s.scale[2 * j + 1] = sc;
        s.min[2 * j] = s.min[2 * j + 1] = m;
    }
    s.d = fp16_to_fp32(x.d);
    s.dmin = fp16_to_fp32(x.dmin);
}

void unpack_q4_k(const BlockQ4_K& x, SuperBlock& s) {
    for (int j = 0; j < 4; ++j)
        for (int l = 0; l < 32; ++l) {
            s.q[64 * j + l] = static_cast<std::int8_t>(x.qs[32 * j + l] & 0xF);
            s.q[64 * j + 32 + l] = static_cast<std::int8_t>(x.qs[32 * j + l] >> 4);
        }
    scales_mins_k4(x, s);
}

void unpack_q5_k(const BlockQ5_K& x, SuperBlock& s) {
    for (int j = 0; j < 4; ++j)
        for (int l = 0; l < 32; ++l) {
            s.q[64 * j + l] = static_cast<std::int8_t>((x.qs[32 * j + l] & 0xF) | (((x.qh[l] >> (2 * j)) & 1) << 4));
            s.q[64 * j + 32 + l] = static_cast<std::int8_t>((x.qs[32 * j + l] >> 4) | (((x.qh[l] >> (2 * j + 1)) & 1) << 4));
        }
    scales_mins_k4(x, s);
}

void scales_q6_k(const BlockQ6_K& x, SuperBlock& s) {
    for (int g = 0; g < 16; ++g) {
        s.scale[g] = x.scales[g];
        s.min[g] = 0;
    }
    s.d = fp16_to_fp32(x.d);
    s.dmin = 0;
}

void unpack_q6_k(const BlockQ6_K& x, SuperBlock& s) {
    for (int e = 0; e < 256; ++e) {
        const int h = e / 128, g = (e % 128) / 32, p = e % 32;
        const std::uint8_t lbyte = x.ql[64 * h + 32 * (g % 2) + p];
        const int low = g < 2 ? lbyte & 0xF : lbyte >> 4;
        const int high = (x.qh[32 * h + p] >> (2 * g)) & 3;
        s.q[e] = static_cast<std::int8_t>((low | (high << 4)) - 32);
    }
    scales_q6_k(x, s);
}

void scales_iq4_xs(const BlockIQ4_XS& x, SuperBlock& s) {
    for (int ib = 0; ib < 8; ++ib) {
        const int ls = ((x.scales_l[ib / 2] >> (4 * (ib % 2))) & 0xF) | (((x.scales_h >> (2 * ib)) & 3) << 4);
        s.scale[2 * ib] = s.scale[2 * ib + 1] = static_cast<std::int16_t>(ls - 32);
        s.min[2 * ib] = s.min[2 * ib + 1] = 0;
    }
    s.d = fp16_to_fp32(x.d);
    s.dmin = 0;
}

void unpack_iq4_xs(const BlockIQ4_XS& x, SuperBlock& s) {
    for (int ib = 0; ib < 8; ++ib)
        for (int j = 0; j < 16; ++j) {
            s.q[32 * ib + j] = kIQ4Values[x.qs[16 * ib + j] & 0xF];
            s.q[32 * ib + 16 + j] = kIQ4Values[x.qs[16 * ib + j] >> 4];
        }
    scales_iq4_xs(x, s);
}

}  // namespace

bool is_super_block_type(TensorType w) {
    switch (w) {
        case TensorType::Q2_K: case TensorType::Q3_K: case TensorType::Q4_K: case TensorType::Q5_K:
        case TensorType::Q6_K: case TensorType::IQ4_XS:
            return true;
        default:
            return is_iq_super_block_type(w);
    }
}

void unpack_super_block_scales(TensorType w, const void* row, std::int64_t i, SuperBlock& out) {
    switch (w) {
        case TensorType::Q2_K: return scales_q2_k(static_cast<const BlockQ2_K*>(row)[i], out);
        case TensorType::Q3_K: return scales_q3_k(static_cast<const BlockQ3_K*>(row)[i], out);
        case TensorType::Q4_K: return scales_mins_k4(static_cast<const BlockQ4_K*>(row)[i], out);
        case TensorType::Q5_K: return scales_mins_k4(static_cast<const BlockQ5_K*>(row)[i], out);
        case TensorType::Q6_K: return scales_q6_k(static_cast<const BlockQ6_K*>(row)[i], out);
        case TensorType::IQ4_XS: return scales_iq4_xs(static_cast<const BlockIQ4_XS*>(row)[i], out);
        default: return unpack_iq_super_block_scales(w, row, i, out);
    }
}

void unpack_super_block(TensorType w, const void* row, std::int64_t i, SuperBlock& out) {
    switch (w) {
        case TensorType::Q2_K: return unpack_q2_k(static_cast<const BlockQ2_K*>(row)[i], out);
        case TensorType::Q3_K: return unpack_q3_k(static_cast<const BlockQ3_K*>(row)[i], out);
        case TensorType::Q4_K: return unpack_q4_k(static_cast<const BlockQ4_K*>(row)[i], out);
        case TensorType::Q5_K: return unpack_q5_k(static_cast<const BlockQ5_K*>(row)[i], out);
        case TensorType::Q6_K: return unpack_q6_k(static_cast<const BlockQ6_K*>(row)[i], out);
        case TensorType::IQ4_XS: return unpack_iq4_xs(static_cast<const BlockIQ4_XS*>(row)[i], out);
        default: return unpack_iq_super_block(w, row, i, out);
    }
}

}  // namespace qforge
