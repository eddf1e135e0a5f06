#include "quant/kernels/repack_r16.h"

#include <cstring>

#include "core/error.h"
#include "quant/codecs/iq4.h"
#include "quant/codecs/kquants.h"
#include "quant/codecs/legacy.h"

namespace qforge {
namespace {

// dword j of 16 rows: row r's bytes src_r[4j..4j+3] at out[64j + 4r].
void interleave_dwords(const std::uint8_t* const* src, std::int64_t n_rows, int n_dwords, std::uint8_t* out, std::uint8_t add = 0) {
    for (int j = 0; j < n_dwords; ++j)
        for (std::int64_t r = 0; r < kR16; ++r)
            for (int b = 0; b < 4; ++b)
                out[64 * j + 4 * r + b] = r < n_rows ? static_cast<std::uint8_t>(src[r][4 * j + b] + add) : add;
}

// pair p of 16 rows: row r's values v_r[2p], v_r[2p+1] at out[32p + 2r], out[32p + 2r + 1].
template <typename V>
void interleave_pairs(const V (*values)[16], std::int64_t n_rows, int n_pairs, std::uint8_t* out) {
    for (int p = 0; p < n_pairs; ++p)
        for (std::int64_t r = 0; r < kR16; ++r)
            for (int e = 0; e < 2; ++e)
                out[32 * p + 2 * r + e] = r < n_rows ? static_cast<std::uint8_t>(values[r][2 * p + e]) : 0;
}

void put_halves(const std::uint16_t* v, std::int64_t n_rows, std::uint8_t* out) {
    std::uint16_t h[kR16] = {};
    for (std::int64_t r = 0; r < n_rows; ++r) h[r] = v[r];
    std::memcpy(out, h, sizeof(h));
}

}  // namespace

bool has_r16_layout(TensorType w) {
    switch (w) {
        case TensorType::Q8_0: case TensorType::Q4_0: case TensorType::IQ4_NL: case TensorType::Q4_K:
        case TensorType::Q5_K: case TensorType::Q6_K: case TensorType::IQ4_XS:
            return true;
        default:
            return false;
    }
}

std::int64_t r16_block_columns(TensorType w) {
    switch (w) {
        case TensorType::Q8_0: case TensorType::Q4_0: case TensorType::IQ4_NL: return 32;
        default: return 256;
    }
}

R16Block r16_block(TensorType w) {
    R16Block b{};
    switch (w) {
        case TensorType::Q8_0: b.quants = 0; b.d = 512; b.bytes = 544; break;
        case TensorType::Q4_0:
        case TensorType::IQ4_NL: b.quants = 0; b.d = 256; b.bytes = 288; break;
        case TensorType::Q4_K: b.quants = 0; b.scales = 2048; b.mins = 2176; b.d = 2304; b.dmin = 2336; b.bytes = 2368; break;
        case TensorType::Q5_K:
            b.quants = 0; b.high = 2048; b.scales = 2560; b.mins = 2688; b.d = 2816; b.dmin = 2848; b.bytes = 2880;
            break;
        case TensorType::Q6_K: b.quants = 0; b.high = 2048; b.scales = 3072; b.d = 3328; b.bytes = 3360; break;
        case TensorType::IQ4_XS: b.quants = 0; b.scales = 2048; b.d = 2176; b.bytes = 2208; break;
        default: fail("no r16 layout for {}", type_name(w));
    }
    return b;
}

std::size_t r16_group_bytes(TensorType w, std::int64_t n_in) {
    return static_cast<std::size_t>(n_in / r16_block_columns(w)) * r16_block(w).bytes;
}

void pack_r16(TensorType w, const std::uint8_t* rows, std::size_t row_bytes, std::int64_t n, std::uint8_t* out, std::int64_t n_in) {
    if (n < 1 || n > kR16) fail("pack_r16: {} rows (1..16)", n);
    if (n_in % r16_block_columns(w) != 0) fail("pack_r16: {} columns do not fill {} blocks", n_in, type_name(w));
    const R16Block L = r16_block(w);
    const std::int64_t blocks = n_in / r16_block_columns(w);
    for (std::int64_t b = 0; b < blocks; ++b) {
        std::uint8_t* o = out + static_cast<std::size_t>(b) * L.bytes;
        std::memset(o, 0, L.bytes);
        const std::uint8_t* src[kR16];
        std::uint16_t d[kR16], dmin[kR16];
        switch (w) {
            case TensorType::Q8_0: {
                for (std::int64_t r = 0; r < n; ++r) {
                    const auto* x = reinterpret_cast<const BlockQ8_0*>(rows + r * row_bytes) + b;
                    src[r] = reinterpret_cast<const std::uint8_t*>(x->qs);
                    d[r] = x->d;
                }
                interleave_dwords(src, n, 8, o + L.quants, 128);
                break;
            }
            case TensorType::Q4_0:
            case TensorType::IQ4_NL: {
                for (std::int64_t r = 0; r < n; ++r) {
                    const auto* x = reinterpret_cast<const BlockQ4_0*>(rows + r * row_bytes) + b;  // IQ4_NL: same bytes
                    src[r] = x->qs;
                    d[r] = x->d;
                }
                interleave_dwords(src, n, 4, o + L.quants);
                break;
            }
            case TensorType::Q4_K:
            case TensorType::Q5_K: {
                std::uint8_t sc[kR16][16] = {}, mn[kR16][16] = {};
                const std::uint8_t* high[kR16];
                for (std::int64_t r = 0; r < n; ++r) {
                    const std::uint8_t* scales;
                    if (w == TensorType::Q4_K) {
                        const auto* x = reinterpret_cast<const BlockQ4_K*>(rows + r * row_bytes) + b;
                        src[r] = x->qs;
                        scales = x->scales;
                        d[r] = x->d;
                        dmin[r] = x->dmin;
                    } else {
                        const auto* x = reinterpret_cast<const BlockQ5_K*>(rows + r * row_bytes) + b;
                        src[r] = x->qs;
                        high[r] = x->qh;
                        scales = x->scales;
                        d[r] = x->d;
                        dmin[r] = x->dmin;
                    }
                    for (int j = 0; j < 8; ++j) get_scale_min_k4(j, scales, &sc[r][j], &mn[r][j]);
                }
                interleave_dwords(src, n, 32, o + L.quants);
                if (w == TensorType::Q5_K) interleave_dwords(high, n, 8, o + L.high);
                interleave_pairs(sc, n, 4, o + L.scales);
                interleave_pairs(mn, n, 4, o + L.mins);
                put_halves(dmin, n, o + L.dmin);
                break;
            }
            case TensorType::Q6_K: {
                std::int8_t sc[kR16][16] = {};
                const std::uint8_t* high[kR16];
                for (std::int64_t r = 0; r < n; ++r) {
                    const auto* x = reinterpret_cast<const BlockQ6_K*>(rows + r * row_bytes) + b;
                    src[r] = x->ql;
                    high[r] = x->qh;
                    std::memcpy(sc[r], x->scales, 16);
                    d[r] = x->d;
                }
                interleave_dwords(src, n, 32, o + L.quants);
                interleave_dwords(high, n, 16, o + L.high);
                interleave_pairs(sc, n, 8, o + L.scales);
                break;
            }
            case TensorType::IQ4_XS: {
                std::int8_t sc[kR16][16] = {};
                for (std::int64_t r = 0; r < n; ++r) {
                    const auto* x = reinterpret_cast<const BlockIQ4_XS*>(rows + r * row_bytes) + b;
                    src[r] = x->qs;
                    d[r] = x->d;
                    for (int ib = 0; ib < 8; ++ib)
                        sc[r][ib] = static_cast<std::int8_t>((((x->scales_l[ib / 2] >> (4 * (ib % 2))) & 0xF) | (((x->scales_h >> (2 * ib)) & 3) << 4)) - 32);
                }
                interleave_dwords(src, n, 32, o + L.quants);
                interleave_pairs(sc, n, 4, o + L.scales);
                break;
            }
            default: fail("no r16 layout for {}", type_name(w));
        }
        put_halves(d, n, o + L.d);
    }
}

}  // namespace qforge
