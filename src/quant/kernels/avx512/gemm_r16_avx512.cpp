// AVX-512 VNNI products of r16 weights (repack_r16.h) with *_SUMS activations (activations.h). Compiled with
// AVX-512F/BW/VL/DQ/VNNI alone; gemm_table picks these only where the CPU has them.
//
// A tile is 16 rows (one per 32-bit lane) by up to 8 tokens. Weight values are unsigned bytes (nibbles as
// they are, Q8_0 and the i-quant levels offset by 128, Q6_K's six bits as stored), so vpdpbusd multiplies
// them with the signed activations directly, and the zero points come back as integers from the activation
// sums: sum((u - o) a) = sum(u a) - o sum(a). Sub-block scales multiply the integer sums (vpmulld), as the
// scalar reference does, so every block ends in exactly the integer the reference computes, and the block's
// float expression is the reference's, operation for operation (no FMA): the results are its bits.
#include <immintrin.h>

#include <cstring>

#include "quant/codecs/iq4.h"
#include "quant/kernels/activations.h"
#include "quant/kernels/gemm.h"
#include "quant/kernels/repack_r16.h"

namespace qforge {
namespace {

constexpr int kMaxTokens = kActivationTile;

inline __m512i load(const std::uint8_t* p) { return _mm512_loadu_si512(p); }
inline __m512 load_halves(const std::uint8_t* p) { return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))); }
// 4 bytes broadcast to every lane, as a load (vpbroadcastd from memory, which vpdpbusd takes as an embedded
// {1to16} operand) rather than through a general register.
inline __m512i bcast(const void* p) { return _mm512_broadcastd_epi32(_mm_loadu_si32(p)); }
inline __m512i low_nibbles(__m512i v) { return _mm512_and_si512(v, _mm512_set1_epi8(0x0F)); }
inline __m512i high_nibbles(__m512i v) { return _mm512_and_si512(_mm512_srli_epi16(v, 4), _mm512_set1_epi8(0x0F)); }
// s + the products of w[0..3] with the 16 activations at a (dwords 0..3), one vpdpbusd each.
inline __m512i dot4(__m512i s, const __m512i* w, const std::int8_t* a) {
    s = _mm512_dpbusd_epi32(s, w[0], bcast(a));
    s = _mm512_dpbusd_epi32(s, w[1], bcast(a + 4));
    s = _mm512_dpbusd_epi32(s, w[2], bcast(a + 8));
    return _mm512_dpbusd_epi32(s, w[3], bcast(a + 12));
}
inline __m512i dot4(const __m512i* w, const std::int8_t* a) { return dot4(_mm512_setzero_si512(), w, a); }
// init + w[0..3] with a[0..15] and w[4..7] with a[16..31]: one 32-value sub-block, in two chains of vpdpbusd
// (their latency, not the ports, would bound one chain of eight).
inline __m512i dot8(const __m512i* w, const std::int8_t* a, __m512i init = _mm512_setzero_si512()) {
    __m512i s0 = init, s1 = _mm512_setzero_si512();
    s0 = _mm512_dpbusd_epi32(s0, w[0], bcast(a));
    s1 = _mm512_dpbusd_epi32(s1, w[1], bcast(a + 4));
    s0 = _mm512_dpbusd_epi32(s0, w[2], bcast(a + 8));
    s1 = _mm512_dpbusd_epi32(s1, w[3], bcast(a + 12));
    s0 = _mm512_dpbusd_epi32(s0, w[4], bcast(a + 16));
    s1 = _mm512_dpbusd_epi32(s1, w[5], bcast(a + 20));
    s0 = _mm512_dpbusd_epi32(s0, w[6], bcast(a + 24));
    s1 = _mm512_dpbusd_epi32(s1, w[7], bcast(a + 28));
    return _mm512_add_epi32(s0, s1);
}
// int16 pairs (lane r = values 2p, 2p+1 of row r) from 32 bytes, unsigned or signed.
inline __m512i pairs_u8(const std::uint8_t* p) { return _mm512_cvtepu8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))); }
inline __m512i pairs_i8(const std::uint8_t* p) { return _mm512_cvtepi8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))); }
inline __m512i even_u(__m512i pairs) { return _mm512_and_si512(pairs, _mm512_set1_epi32(0xFFFF)); }
inline __m512i odd_u(__m512i pairs) { return _mm512_srli_epi32(pairs, 16); }
inline __m512i even_i(__m512i pairs) { return _mm512_srai_epi32(_mm512_slli_epi32(pairs, 16), 16); }
inline __m512i odd_i(__m512i pairs) { return _mm512_srai_epi32(pairs, 16); }

// A tile of up to 8 tokens' activations, interleaved block by block (activations.h): token t of block b is
// at index b * 8 + t of each part, so every access in a kernel is a fixed offset from these pointers.
struct Act {
    const std::int8_t* qs;
    const float* d;
    const std::int32_t* minus_zero;  // Q8_0_SUMS: -zero_point * sum per block, for the weight's zero point
    const std::int16_t* s16;         // Q8_K_SUMS
    const std::int16_t* s32;
};
constexpr int kT = kActivationTile;

template <int N>
inline void store(float* const* y, const __m512* acc, __mmask16 rows) {
    for (int t = 0; t < N; ++t) _mm512_mask_storeu_ps(y[t], rows, acc[t]);
}

// Decode reads every weight from memory once per step, and the arithmetic on a block waits for its loads: the
// kernels fetch the next block's lines a part at a time (small blocks a few blocks ahead), so the loads overlap
// the arithmetic. On a 1.1B Q4_K_M with 2 threads this took decode from 31 to 53 tokens/s and 8 sequences
// decoding together from 78 to about 250 (qforge bench -p 0 -n 64 --parallel 1,8). Prefetches never fault,
// so the block after a group's last one may be named.
inline void prefetch_part(const std::uint8_t* next, std::size_t bytes, int part, int parts) {
    const std::size_t begin = bytes * static_cast<std::size_t>(part) / static_cast<std::size_t>(parts) / 64 * 64;
    const std::size_t end = bytes * static_cast<std::size_t>(part + 1) / static_cast<std::size_t>(parts);
    for (std::size_t o = begin; o < end; o += 64) _mm_prefetch(reinterpret_cast<const char*>(next + o), _MM_HINT_T0);
}

// ---- 32-column blocks: Q8_0, Q4_0, IQ4_NL ----

template <TensorType W>
inline void unpack32(const std::uint8_t* blk, __m512i* w) {
    if constexpr (W == TensorType::Q8_0) {
        for (int j = 0; j < 8; ++j) w[j] = load(blk + 64 * j);
    } else {
        for (int j = 0; j < 4; ++j) {
            const __m512i raw = load(blk + 64 * j);
            w[j] = low_nibbles(raw);
            w[4 + j] = high_nibbles(raw);
        }
        if constexpr (W == TensorType::IQ4_NL) {
            alignas(16) std::uint8_t table[16];
            for (int i = 0; i < 16; ++i) table[i] = static_cast<std::uint8_t>(kIQ4Values[i] + 128);
            const __m512i t = _mm512_broadcast_i32x4(_mm_load_si128(reinterpret_cast<const __m128i*>(table)));
            for (int j = 0; j < 8; ++j) w[j] = _mm512_shuffle_epi8(t, w[j]);
        }
    }
}

// Each token's block sum starts at -zero_point * (sum of its activations), so the vpdpbusd chain ends at the
// signed integer sum; the block then adds float(sum) * (d_w * d_a) with one FMA, as the reference does.
template <TensorType W, int N>
void tile32(const std::uint8_t* group, std::int64_t blocks, const Act& a, float* const* y, __mmask16 rows) {
    constexpr std::size_t kBytes = W == TensorType::Q8_0 ? 544 : 288;
    constexpr std::size_t kD = W == TensorType::Q8_0 ? 512 : 256;
    __m512 acc[N];
    for (int t = 0; t < N; ++t) acc[t] = _mm512_setzero_ps();
    for (std::int64_t b = 0; b < blocks; ++b) {
        const std::uint8_t* blk = group + static_cast<std::size_t>(b) * kBytes;
        prefetch_part(blk + 4 * kBytes, kBytes, 0, 1);  // small blocks: further ahead
        __m512i w[8];
        unpack32<W>(blk, w);
        const __m512 dw = load_halves(blk + kD);
        const std::int8_t* q = a.qs + 32 * kT * b;
        const std::int32_t* mz = a.minus_zero + kT * b;
        const float* da = a.d + kT * b;
#pragma GCC unroll 8
        for (int t = 0; t < N; ++t) {
            const __m512i s = dot8(w, q + 32 * t, bcast(mz + t));
            const __m512 dd = _mm512_mul_ps(dw, _mm512_set1_ps(da[t]));
            acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), dd, acc[t]);
        }
    }
    store<N>(y, acc, rows);
}

// ---- 256-column super-blocks ----

// Q4_K and Q5_K: eight 32-value sub-blocks, unsigned 4/5-bit values, 6-bit scales and minimums.
template <TensorType W, int N>
void tile_q45k(const std::uint8_t* group, std::int64_t blocks, const Act& a, float* const* y, __mmask16 rows) {
    const R16Block L = r16_block(W);
    __m512 acc[N];
    for (int t = 0; t < N; ++t) acc[t] = _mm512_setzero_ps();
    for (std::int64_t sb = 0; sb < blocks; ++sb) {
        const std::uint8_t* blk = group + static_cast<std::size_t>(sb) * L.bytes;
        __m512i isum[N];
        for (int t = 0; t < N; ++t) isum[t] = _mm512_setzero_si512();
        for (int p = 0; p < 4; ++p) {
            prefetch_part(blk + L.bytes, L.bytes, p, 4);
            const __m512i scp = pairs_u8(blk + L.scales + 32 * p);
            const __m512i sc_lo = even_u(scp), sc_hi = odd_u(scp);
            __m512i raw[8], w[8];
            for (int j = 0; j < 8; ++j) raw[j] = load(blk + L.quants + 64 * (8 * p + j));
            for (int half = 0; half < 2; ++half) {
                for (int j = 0; j < 8; ++j) {
                    w[j] = half == 0 ? low_nibbles(raw[j]) : high_nibbles(raw[j]);
                    if constexpr (W == TensorType::Q5_K) {
                        const __mmask64 hb = _mm512_test_epi8_mask(load(blk + L.high + 64 * j), _mm512_set1_epi8(static_cast<char>(1 << (2 * p + half))));
                        w[j] = _mm512_mask_add_epi8(w[j], hb, w[j], _mm512_set1_epi8(16));
                    }
                }
                const __m512i sc = half == 0 ? sc_lo : sc_hi;
                const std::int8_t* q = a.qs + 256 * kT * sb + 64 * p + 32 * half;
#pragma GCC unroll 8
                for (int t = 0; t < N; ++t) isum[t] = _mm512_add_epi32(isum[t], _mm512_mullo_epi32(dot8(w, q + 256 * t), sc));
            }
        }
        __m512i mins[4];
        for (int p = 0; p < 4; ++p) mins[p] = pairs_u8(blk + L.mins + 32 * p);
        const __m512 d = load_halves(blk + L.d), dmin = load_halves(blk + L.dmin);
#pragma GCC unroll 8
        for (int t = 0; t < N; ++t) {
            const std::int16_t* s32 = a.s32 + 8 * (kT * sb + t);
            __m512i imin = _mm512_dpwssd_epi32(_mm512_setzero_si512(), mins[0], bcast(s32));
            imin = _mm512_dpwssd_epi32(imin, mins[1], bcast(s32 + 2));
            imin = _mm512_dpwssd_epi32(imin, mins[2], bcast(s32 + 4));
            imin = _mm512_dpwssd_epi32(imin, mins[3], bcast(s32 + 6));
            const __m512 da = _mm512_set1_ps(a.d[kT * sb + t]);
            const __m512 t1 = _mm512_mul_ps(_mm512_mul_ps(d, da), _mm512_cvtepi32_ps(isum[t]));
            const __m512 t2 = _mm512_mul_ps(_mm512_mul_ps(dmin, da), _mm512_cvtepi32_ps(imin));
            acc[t] = _mm512_add_ps(acc[t], _mm512_sub_ps(t1, t2));
        }
    }
    store<N>(y, acc, rows);
}

// Q6_K: sixteen 16-value sub-blocks, values 0..63 with zero point 32, int8 scales.
template <int N>
void tile_q6k(const std::uint8_t* group, std::int64_t blocks, const Act& a, float* const* y, __mmask16 rows) {
    const R16Block L = r16_block(TensorType::Q6_K);
    __m512 acc[N];
    for (int t = 0; t < N; ++t) acc[t] = _mm512_setzero_ps();
    for (std::int64_t sb = 0; sb < blocks; ++sb) {
        const std::uint8_t* blk = group + static_cast<std::size_t>(sb) * L.bytes;
        __m512i isum[N];
        for (int t = 0; t < N; ++t) isum[t] = _mm512_setzero_si512();
        for (int h = 0; h < 2; ++h)
            for (int g = 0; g < 4; ++g) {  // 32-value group g of the 128-half: low nibbles of ql half g % 2, or high
                prefetch_part(blk + L.bytes, L.bytes, 4 * h + g, 8);
                __m512i w[8];
                for (int j = 0; j < 8; ++j) {
                    const __m512i raw = load(blk + L.quants + 64 * (16 * h + 8 * (g % 2) + j));
                    const __m512i low = g < 2 ? low_nibbles(raw) : high_nibbles(raw);
                    // bits 2g, 2g+1 of the qh byte to bits 4, 5 (16-bit shifts keep them within the byte)
                    const __m512i qh = load(blk + L.high + 64 * (8 * h + j));
                    const __m512i hi = g == 3 ? _mm512_srli_epi16(qh, 2) : _mm512_sll_epi16(qh, _mm_cvtsi32_si128(4 - 2 * g));
                    w[j] = _mm512_or_si512(low, _mm512_and_si512(hi, _mm512_set1_epi8(0x30)));
                }
                const __m512i scp = pairs_i8(blk + L.scales + 32 * (4 * h + g));  // sub-blocks 8h+2g, 8h+2g+1
                const __m512i sc_a = even_i(scp), sc_b = odd_i(scp);
                const std::int8_t* q = a.qs + 256 * kT * sb + 128 * h + 32 * g;
#pragma GCC unroll 8
                for (int t = 0; t < N; ++t) {
                    isum[t] = _mm512_add_epi32(isum[t], _mm512_mullo_epi32(dot4(w, q + 256 * t), sc_a));
                    isum[t] = _mm512_add_epi32(isum[t], _mm512_mullo_epi32(dot4(w + 4, q + 256 * t + 16), sc_b));
                }
            }
        // the zero point: sum((q - 32) a) = sum(q a) - 32 sum(a), per sub-block scale
        __m512i corr[8];
        for (int p = 0; p < 8; ++p) corr[p] = _mm512_sub_epi16(_mm512_setzero_si512(), _mm512_slli_epi16(pairs_i8(blk + L.scales + 32 * p), 5));
        const __m512 d = load_halves(blk + L.d);
#pragma GCC unroll 8
        for (int t = 0; t < N; ++t) {
            const std::int16_t* s16 = a.s16 + 16 * (kT * sb + t);
            __m512i sum = isum[t];
            for (int p = 0; p < 8; ++p) sum = _mm512_dpwssd_epi32(sum, corr[p], bcast(s16 + 2 * p));
            const __m512 da = _mm512_set1_ps(a.d[kT * sb + t]);
            acc[t] = _mm512_add_ps(acc[t], _mm512_mul_ps(_mm512_mul_ps(d, da), _mm512_cvtepi32_ps(sum)));
        }
    }
    store<N>(y, acc, rows);
}

// IQ4_XS: eight 32-value sub-blocks of non-linear levels (offset by 128), scales ls - 32.
template <int N>
void tile_iq4xs(const std::uint8_t* group, std::int64_t blocks, const Act& a, float* const* y, __mmask16 rows) {
    const R16Block L = r16_block(TensorType::IQ4_XS);
    alignas(16) std::uint8_t table[16];
    for (int i = 0; i < 16; ++i) table[i] = static_cast<std::uint8_t>(kIQ4Values[i] + 128);
    const __m512i lut = _mm512_broadcast_i32x4(_mm_load_si128(reinterpret_cast<const __m128i*>(table)));
    __m512 acc[N];
    for (int t = 0; t < N; ++t) acc[t] = _mm512_setzero_ps();
    for (std::int64_t sb = 0; sb < blocks; ++sb) {
        const std::uint8_t* blk = group + static_cast<std::size_t>(sb) * L.bytes;
        __m512i isum[N];
        for (int t = 0; t < N; ++t) isum[t] = _mm512_setzero_si512();
        for (int p = 0; p < 4; ++p) {
            prefetch_part(blk + L.bytes, L.bytes, p, 4);
            const __m512i scp = pairs_i8(blk + L.scales + 32 * p);
            for (int e = 0; e < 2; ++e) {
                const int ib = 2 * p + e;
                __m512i w[8];
                for (int j = 0; j < 4; ++j) {
                    const __m512i raw = load(blk + L.quants + 64 * (4 * ib + j));
                    w[j] = _mm512_shuffle_epi8(lut, low_nibbles(raw));
                    w[4 + j] = _mm512_shuffle_epi8(lut, high_nibbles(raw));
                }
                const __m512i sc = e == 0 ? even_i(scp) : odd_i(scp);
                const std::int8_t* q = a.qs + 256 * kT * sb + 32 * ib;
#pragma GCC unroll 8
                for (int t = 0; t < N; ++t) isum[t] = _mm512_add_epi32(isum[t], _mm512_mullo_epi32(dot8(w, q + 256 * t), sc));
            }
        }
        __m512i corr_pairs[4];  // -128 * scale
        for (int p = 0; p < 4; ++p) corr_pairs[p] = _mm512_sub_epi16(_mm512_setzero_si512(), _mm512_slli_epi16(pairs_i8(blk + L.scales + 32 * p), 7));
        const __m512 d = load_halves(blk + L.d);
#pragma GCC unroll 8
        for (int t = 0; t < N; ++t) {
            const std::int16_t* s32 = a.s32 + 8 * (kT * sb + t);
            __m512i sum = isum[t];  // the levels' offset: sum((u - 128) a) = sum(u a) - 128 sum(a), per sub-block scale
            for (int p = 0; p < 4; ++p) sum = _mm512_dpwssd_epi32(sum, corr_pairs[p], bcast(s32 + 2 * p));
            const __m512 da = _mm512_set1_ps(a.d[kT * sb + t]);
            acc[t] = _mm512_add_ps(acc[t], _mm512_mul_ps(_mm512_mul_ps(d, da), _mm512_cvtepi32_ps(sum)));
        }
    }
    store<N>(y, acc, rows);
}

using TileFn = void (*)(const std::uint8_t*, std::int64_t, const Act&, float* const*, __mmask16);

template <TensorType W, int N>
TileFn tile_for() {
    if constexpr (W == TensorType::Q8_0 || W == TensorType::Q4_0 || W == TensorType::IQ4_NL) return tile32<W, N>;
    else if constexpr (W == TensorType::Q4_K || W == TensorType::Q5_K) return tile_q45k<W, N>;
    else if constexpr (W == TensorType::Q6_K) return tile_q6k<N>;
    else return tile_iq4xs<N>;
}

template <TensorType W>
void run_r16(const GemmTask& task) {
    static const TileFn tiles[kMaxTokens + 1] = {nullptr, tile_for<W, 1>(), tile_for<W, 2>(), tile_for<W, 3>(), tile_for<W, 4>(),
                                                 tile_for<W, 5>(), tile_for<W, 6>(), tile_for<W, 7>(), tile_for<W, 8>()};
    constexpr bool legacy = W == TensorType::Q8_0 || W == TensorType::Q4_0 || W == TensorType::IQ4_NL;
    const std::int64_t blocks = task.n_in / (legacy ? 32 : 256);
    const Q8SumsLayout l = legacy ? q8_0_sums_layout(task.n_in) : q8_k_sums_layout(task.n_in);
    for (std::int64_t r0 = task.row_begin; r0 < task.row_end; r0 += kR16) {
        const std::uint8_t* group = task.weight + static_cast<std::size_t>(r0 / kR16) * task.weight_stride;
        const std::int64_t n_rows = std::min<std::int64_t>(kR16, task.row_end - r0);
        const __mmask16 rows = static_cast<__mmask16>((1u << n_rows) - 1);
        for (std::int64_t t0 = 0; t0 < task.n_tokens; t0 += kMaxTokens) {
            const int n = static_cast<int>(std::min<std::int64_t>(kMaxTokens, task.n_tokens - t0));
            const std::uint8_t* tile = task.act + static_cast<std::size_t>(t0 / kT) * task.act_stride;
            Act a;
            a.qs = reinterpret_cast<const std::int8_t*>(tile + l.qs);
            a.d = reinterpret_cast<const float*>(tile + l.d);
            a.minus_zero = reinterpret_cast<const std::int32_t*>(tile + (W == TensorType::Q4_0 ? l.minus8 : l.minus128));
            a.s16 = reinterpret_cast<const std::int16_t*>(tile + l.sums16);
            a.s32 = reinterpret_cast<const std::int16_t*>(tile + l.sums32);
            float* y[kMaxTokens];
            for (int t = 0; t < n; ++t) y[t] = task.y + (t0 + t) * task.ldy + r0;
            tiles[n](group, blocks, a, y, rows);
        }
    }
}

}  // namespace

void gemm_r16_avx512(TensorType w, const GemmTask& task) {
    switch (w) {
        case TensorType::Q8_0: run_r16<TensorType::Q8_0>(task); return;
        case TensorType::Q4_0: run_r16<TensorType::Q4_0>(task); return;
        case TensorType::IQ4_NL: run_r16<TensorType::IQ4_NL>(task); return;
        case TensorType::Q4_K: run_r16<TensorType::Q4_K>(task); return;
        case TensorType::Q5_K: run_r16<TensorType::Q5_K>(task); return;
        case TensorType::Q6_K: run_r16<TensorType::Q6_K>(task); return;
        case TensorType::IQ4_XS: run_r16<TensorType::IQ4_XS>(task); return;
        default: return;
    }
}

}  // namespace qforge
