#include "quant/kernels/avx2/unpack_iq_avx2.h"

#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "core/error.h"
#include "quant/codecs/iq_dequant.h"
#include "quant/codecs/iq_grids.h"
#include "quant/codecs/kquants.h"
#include "quant/kernels/gemm.h"

namespace qforge {
namespace {

// IQ1's grid with each value times 8, so a group is 8 * grid + delta in one add.
const std::array<std::uint64_t, 2048> kIq1sTimes8 = [] {
    std::array<std::uint64_t, 2048> t{};
    for (int i = 0; i < 2048; ++i) {
        std::uint64_t v = 0;
        for (int j = 0; j < 8; ++j) {
            const auto g = static_cast<std::int8_t>(iq_grids::kIq1s[i] >> (8 * j));
            v |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(8 * g)) << (8 * j);
        }
        t[i] = v;
    }
    return t;
}();

// Sign bytes as eight +1/-1 bytes (for _mm256_sign_epi8): the stored 7-bit patterns completed to even
// parity, and the plain 8-bit ones.
const std::array<std::uint64_t, 128> kEvenSignVectors = [] {
    std::array<std::uint64_t, 128> t{};
    for (unsigned i = 0; i < 128; ++i)
        for (int j = 0; j < 8; ++j) t[i] |= static_cast<std::uint64_t>((iq_signs(i) >> j) & 1 ? 0xFF : 0x01) << (8 * j);
    return t;
}();
const std::array<std::uint64_t, 256> kSignVectors = [] {
    std::array<std::uint64_t, 256> t{};
    for (unsigned i = 0; i < 256; ++i)
        for (int j = 0; j < 8; ++j) t[i] |= static_cast<std::uint64_t>((i >> j) & 1 ? 0xFF : 0x01) << (8 * j);
    return t;
}();

inline __m256i grid4(std::uint64_t a, std::uint64_t b, std::uint64_t c, std::uint64_t d) {
    return _mm256_set_epi64x(static_cast<long long>(d), static_cast<long long>(c), static_cast<long long>(b),
                             static_cast<long long>(a));
}
inline __m256i grid8(const std::uint32_t* grid, const int* idx) {
    return _mm256_set_epi32(static_cast<int>(grid[idx[7]]), static_cast<int>(grid[idx[6]]), static_cast<int>(grid[idx[5]]),
                            static_cast<int>(grid[idx[4]]), static_cast<int>(grid[idx[3]]), static_cast<int>(grid[idx[2]]),
                            static_cast<int>(grid[idx[1]]), static_cast<int>(grid[idx[0]]));
}

inline std::uint32_t u32_at(const void* p) {
    std::uint32_t v;
    std::memcpy(&v, p, sizeof(v));
    return v;
}

inline int odd(int s) { return 2 * s + 1; }

// Per type: the 32 signed values of sub-block ib, its two scales (first and second 16) and the block's d, each
// exactly as super_block_iq.cpp computes them.
struct Iq2xxs {
    using Block = BlockIQ2_XXS;
    static constexpr bool kSigned = false;
    static void parts(const Block& x, int ib, __m256i& mag, __m256i& sgn) {
        const std::uint32_t a0 = u32_at(x.qs + 4 * ib), a1 = u32_at(x.qs + 4 * ib + 2);
        const auto* g = iq_grids::kIq2xxs;
        const auto& e = kEvenSignVectors;
        mag = grid4(g[a0 & 255], g[(a0 >> 8) & 255], g[(a0 >> 16) & 255], g[a0 >> 24]);
        sgn = grid4(e[a1 & 127], e[(a1 >> 7) & 127], e[(a1 >> 14) & 127], e[(a1 >> 21) & 127]);
    }
    static void scales(const Block& x, int ib, int& lo, int& hi) { lo = hi = odd(static_cast<int>(u32_at(x.qs + 4 * ib + 2) >> 28)); }
    static float d(const Block& x) { return _cvtsh_ss(x.d) * 0.125f; }
};
struct Iq2xs {
    using Block = BlockIQ2_XS;
    static constexpr bool kSigned = false;
    static void parts(const Block& x, int ib, __m256i& mag, __m256i& sgn) {
        const auto* g = iq_grids::kIq2xs;
        const auto& e = kEvenSignVectors;
        const std::uint16_t* q = x.qs + 4 * ib;
        mag = grid4(g[q[0] & 511], g[q[1] & 511], g[q[2] & 511], g[q[3] & 511]);
        sgn = grid4(e[q[0] >> 9], e[q[1] >> 9], e[q[2] >> 9], e[q[3] >> 9]);
    }
    static void scales(const Block& x, int ib, int& lo, int& hi) {
        lo = odd(x.scales[ib] & 0xf);
        hi = odd(x.scales[ib] >> 4);
    }
    static float d(const Block& x) { return _cvtsh_ss(x.d) * 0.125f; }
};
struct Iq2s {
    using Block = BlockIQ2_S;
    static constexpr bool kSigned = false;
    static void parts(const Block& x, int ib, __m256i& mag, __m256i& sgn) {
        const auto* g = iq_grids::kIq2s;
        const auto& v = kSignVectors;
        const std::uint8_t* q = x.qs + 4 * ib;
        const std::uint8_t* s8 = x.qs + 32 + 4 * ib;
        const int qh = x.qh[ib];
        mag = grid4(g[q[0] | ((qh << 8) & 0x300)], g[q[1] | ((qh << 6) & 0x300)], g[q[2] | ((qh << 4) & 0x300)],
                    g[q[3] | ((qh << 2) & 0x300)]);
        sgn = grid4(v[s8[0]], v[s8[1]], v[s8[2]], v[s8[3]]);
    }
    static void scales(const Block& x, int ib, int& lo, int& hi) {
        lo = odd(x.scales[ib] & 0xf);
        hi = odd(x.scales[ib] >> 4);
    }
    static float d(const Block& x) { return _cvtsh_ss(x.d) * 0.125f; }
};
struct Iq3xxs {
    using Block = BlockIQ3_XXS;
    static constexpr bool kSigned = false;
    static void parts(const Block& x, int ib, __m256i& mag, __m256i& sgn) {
        const std::uint8_t* q = x.qs + 8 * ib;
        const int idx[8] = {q[0], q[1], q[2], q[3], q[4], q[5], q[6], q[7]};
        const std::uint32_t a = u32_at(x.qs + 64 + 4 * ib);
        const auto& e = kEvenSignVectors;
        mag = grid8(iq_grids::kIq3xxs, idx);
        sgn = grid4(e[a & 127], e[(a >> 7) & 127], e[(a >> 14) & 127], e[(a >> 21) & 127]);
    }
    static void scales(const Block& x, int ib, int& lo, int& hi) { lo = hi = odd(static_cast<int>(u32_at(x.qs + 64 + 4 * ib) >> 28)); }
    static float d(const Block& x) { return _cvtsh_ss(x.d) * 0.25f; }
};
struct Iq3s {
    using Block = BlockIQ3_S;
    static constexpr bool kSigned = false;
    static void parts(const Block& x, int ib, __m256i& mag, __m256i& sgn) {
        const std::uint8_t* q = x.qs + 8 * ib;
        const std::uint8_t* s8 = x.signs + 4 * ib;
        const int qh = x.qh[ib];
        int idx[8];
        for (int k = 0; k < 8; ++k) idx[k] = q[k] | (((qh >> k) & 1) << 8);
        const auto& v = kSignVectors;
        mag = grid8(iq_grids::kIq3s, idx);
        sgn = grid4(v[s8[0]], v[s8[1]], v[s8[2]], v[s8[3]]);
    }
    static void scales(const Block& x, int ib, int& lo, int& hi) { lo = hi = odd((x.scales[ib / 2] >> (4 * (ib % 2))) & 0xf); }
    static float d(const Block& x) { return _cvtsh_ss(x.d); }
};

// Deltas of +-1 per group of 8: -1 where the group's bit is set.
inline __m256i deltas(bool n0, bool n1, bool n2, bool n3) {
    return _mm256_set_epi64x(n3 ? -1ll : 0x0101010101010101ll, n2 ? -1ll : 0x0101010101010101ll,
                             n1 ? -1ll : 0x0101010101010101ll, n0 ? -1ll : 0x0101010101010101ll);
}

struct Iq1s {
    using Block = BlockIQ1_S;
    static constexpr bool kSigned = true;
    static __m256i quants(const Block& x, int ib) {
        const auto& g = kIq1sTimes8;
        const int qh = x.qh[ib];
        const std::uint8_t* q = x.qs + 4 * ib;
        const bool neg = qh & 0x8000;
        return _mm256_add_epi8(grid4(g[q[0] | ((qh << 8) & 0x700)], g[q[1] | ((qh << 5) & 0x700)],
                                     g[q[2] | ((qh << 2) & 0x700)], g[q[3] | ((qh >> 1) & 0x700)]),
                               deltas(neg, neg, neg, neg));
    }
    static void scales(const Block& x, int ib, int& lo, int& hi) { lo = hi = odd((x.qh[ib] >> 12) & 7); }
    static float d(const Block& x) { return _cvtsh_ss(x.d) * 0.125f; }
};
struct Iq1m {
    using Block = BlockIQ1_M;
    static constexpr bool kSigned = true;
    static __m256i quants(const Block& x, int ib) {
        const auto& g = kIq1sTimes8;
        const std::uint8_t* q = x.qs + 4 * ib;
        const std::uint8_t* qh = x.qh + 2 * ib;
        return _mm256_add_epi8(grid4(g[q[0] | ((qh[0] << 8) & 0x700)], g[q[1] | ((qh[0] << 4) & 0x700)],
                                     g[q[2] | ((qh[1] << 8) & 0x700)], g[q[3] | ((qh[1] << 4) & 0x700)]),
                               deltas(qh[0] & 0x08, qh[0] & 0x80, qh[1] & 0x08, qh[1] & 0x80));
    }
    static std::uint16_t word(const Block& x, int k) {
        std::uint16_t v;
        std::memcpy(&v, x.scales + 2 * k, sizeof(v));
        return v;
    }
    static void scales(const Block& x, int ib, int& lo, int& hi) {
        const int sc = word(x, ib / 2);
        lo = odd((sc >> (6 * (ib % 2))) & 7);
        hi = odd((sc >> (6 * (ib % 2) + 3)) & 7);
    }
    static float d(const Block& x) {
        const std::uint16_t s0 = word(x, 0), s1 = word(x, 1), s2 = word(x, 2), s3 = word(x, 3);
        return _cvtsh_ss(static_cast<std::uint16_t>((s0 >> 12) | ((s1 >> 8) & 0x00f0) | ((s2 >> 4) & 0x0f00) | (s3 & 0xf000))) * 0.125f;
    }
};

// The signed values of sub-block ib.
template <typename T>
__m256i values(const typename T::Block& x, int ib) {
    if constexpr (T::kSigned) {
        return T::quants(x, ib);
    } else {
        __m256i mag, sgn;
        T::parts(x, ib, mag, sgn);
        return _mm256_sign_epi8(mag, sgn);
    }
}

template <typename T>
void unpack(const void* row, std::int64_t i, SuperBlock& s) {
    const auto& x = static_cast<const typename T::Block*>(row)[i];
    for (int ib = 0; ib < 8; ++ib) _mm256_store_si256(reinterpret_cast<__m256i*>(s.q + 32 * ib), values<T>(x, ib));
}

int hsum_i32(__m256i v) {
    __m128i x = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    x = _mm_add_epi32(x, _mm_shuffle_epi32(x, _MM_SHUFFLE(1, 0, 3, 2)));
    x = _mm_add_epi32(x, _mm_shuffle_epi32(x, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm_cvtsi128_si32(x);
}

// Each super-block's integer sum (scale_lo * (q . a) over the first 16 of a sub-block plus scale_hi * (q . a)
// over the second), then super_block_sum's float expression (its minimum term is zero here: x - (0 * d) * 0),
// in block order: the scalar reference's bits. Unsigned magnitudes multiply the activations with the weights'
// signs moved onto them (one sign op); the IQ1 values, signed, take the usual |q| * sign(a, q) form.
template <typename T, int NAct>
void dot(const void* row, const void* const* act, std::int64_t n, float* out) {
    const auto* x = static_cast<const typename T::Block*>(row);
    float sum[NAct] = {};
    for (std::int64_t i = 0; i < n / 256; ++i) {
        if (i + 1 < n / 256) _mm_prefetch(reinterpret_cast<const char*>(x + i + 1), _MM_HINT_T0);
        __m256i acc[NAct];
        for (int k = 0; k < NAct; ++k) acc[k] = _mm256_setzero_si256();
        for (int ib = 0; ib < 8; ++ib) {
            int lo, hi;
            T::scales(x[i], ib, lo, hi);
            const __m256i sc = _mm256_set_m128i(_mm_set1_epi16(static_cast<short>(hi)), _mm_set1_epi16(static_cast<short>(lo)));
            __m256i a, b;
            if constexpr (T::kSigned) {
                const __m256i q = T::quants(x[i], ib);
                a = _mm256_sign_epi8(q, q);
                b = q;
            } else {
                T::parts(x[i], ib, a, b);
            }
            for (int k = 0; k < NAct; ++k) {
                const __m256i y = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(static_cast<const BlockQ8_K*>(act[k])[i].qs + 32 * ib));
                acc[k] = _mm256_add_epi32(acc[k], _mm256_madd_epi16(_mm256_maddubs_epi16(a, _mm256_sign_epi8(y, b)), sc));
            }
        }
        const float d = T::d(x[i]);
        for (int k = 0; k < NAct; ++k) {
            const BlockQ8_K& y = static_cast<const BlockQ8_K*>(act[k])[i];
            sum[k] += (d * y.d) * static_cast<float>(hsum_i32(acc[k])) - (0.f * y.d) * 0.f;
        }
    }
    for (int k = 0; k < NAct; ++k) out[k] = sum[k];
}

// IQ2_XS, the type of the 2-bit mixes, sixteen indices at a time: grid indices and sign bytes (the 7 stored
// bits completed to even parity by a 16-entry table of the parity of 4 bits) computed in vectors, the signs
// moved onto the activations, the 4-bit scales expanded once per super-block. Same integers as dot<Iq2xs>.
template <int NAct>
void dot_iq2_xs(const void* row, const void* const* act, std::int64_t n, float* out) {
    const auto* x = static_cast<const BlockIQ2_XS*>(row);
    alignas(32) static const std::uint8_t kOddParity[32] = {0x00, 0x80, 0x80, 0x00, 0x80, 0x00, 0x00, 0x80, 0x80, 0x00, 0x00,
                                                            0x80, 0x00, 0x80, 0x80, 0x00, 0x00, 0x80, 0x80, 0x00, 0x80, 0x00,
                                                            0x00, 0x80, 0x80, 0x00, 0x00, 0x80, 0x00, 0x80, 0x80, 0x00};
    // sign byte of index 2k (k = 0..3, then 4..7) spread over the 8 bytes its group covers
    const __m256i spread_lo = _mm256_set_epi64x(0x0606060606060606, 0x0404040404040404, 0x0202020202020202, 0x0000000000000000);
    const __m256i spread_hi = _mm256_set_epi64x(0x0e0e0e0e0e0e0e0e, 0x0c0c0c0c0c0c0c0c, 0x0a0a0a0a0a0a0a0a, 0x0808080808080808);
    const __m256i bits = _mm256_set1_epi64x(static_cast<long long>(0x8040201008040201ull));
    const __m256i odd_parity = _mm256_load_si256(reinterpret_cast<const __m256i*>(kOddParity));
    const __m256i m511 = _mm256_set1_epi16(511), one = _mm256_set1_epi8(1);
    const __m128i m4 = _mm_set1_epi8(0xf), m1 = _mm_set1_epi8(1);
    const auto* grid = iq_grids::kIq2xs;
    alignas(32) std::uint16_t gindex[16];
    // Each block's float term is kept and the terms are summed in block order afterwards: the same additions
    // as the reference's running sum, without a dependency from one block's sums to the next.
    constexpr int kTerms = 32;
    float terms[NAct][kTerms];
    float sum[NAct] = {};
    for (std::int64_t i = 0; i < n / 256; ++i) {
        if (i + 1 < n / 256) _mm_prefetch(reinterpret_cast<const char*>(x + i + 1), _MM_HINT_T0);
        std::uint64_t aux64;
        std::memcpy(&aux64, x[i].scales, sizeof(aux64));
        __m128i stmp = _mm_set1_epi64x(static_cast<long long>(aux64));
        stmp = _mm_unpacklo_epi8(_mm_and_si128(stmp, m4), _mm_and_si128(_mm_srli_epi16(stmp, 4), m4));
        const __m128i scales = _mm_add_epi8(_mm_slli_epi16(stmp, 1), m1);  // 2s + 1 per 16, in order
        __m256i acc[NAct];
        for (int k = 0; k < NAct; ++k) acc[k] = _mm256_setzero_si256();
        for (int half = 0; half < 2; ++half) {
            const __m256i q2 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[i].qs + 16 * half));
            _mm256_store_si256(reinterpret_cast<__m256i*>(gindex), _mm256_and_si256(q2, m511));
            const __m256i partial = _mm256_srli_epi16(q2, 9);
            const __m256i full = _mm256_or_si256(partial, _mm256_shuffle_epi8(odd_parity, _mm256_xor_si256(partial, _mm256_srli_epi16(q2, 13))));
            const __m128i fl = _mm256_castsi256_si128(full), fh = _mm256_extracti128_si256(full, 1);
            const __m256i f1 = _mm256_set_m128i(fl, fl), f2 = _mm256_set_m128i(fh, fh);
            const __m256i sg[4] = {_mm256_shuffle_epi8(f1, spread_lo), _mm256_shuffle_epi8(f1, spread_hi),
                                   _mm256_shuffle_epi8(f2, spread_lo), _mm256_shuffle_epi8(f2, spread_hi)};
            for (int j = 0; j < 4; ++j) {
                const int ib = 4 * half + j;
                const __m256i mag = _mm256_set_epi64x(static_cast<long long>(grid[gindex[4 * j + 3]]), static_cast<long long>(grid[gindex[4 * j + 2]]),
                                                      static_cast<long long>(grid[gindex[4 * j + 1]]), static_cast<long long>(grid[gindex[4 * j]]));
                const __m256i sign = _mm256_or_si256(_mm256_cmpeq_epi8(_mm256_and_si256(sg[j], bits), bits), one);
                const __m256i sc = _mm256_cvtepi8_epi16(_mm_shuffle_epi8(
                    scales, _mm_set_epi64x(0x0101010101010101ll * (2 * ib + 1), 0x0101010101010101ll * (2 * ib))));
                for (int k = 0; k < NAct; ++k) {
                    const __m256i y = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(static_cast<const BlockQ8_K*>(act[k])[i].qs + 32 * ib));
                    acc[k] = _mm256_add_epi32(acc[k], _mm256_madd_epi16(_mm256_maddubs_epi16(mag, _mm256_sign_epi8(y, sign)), sc));
                }
            }
        }
        const float d = _cvtsh_ss(x[i].d) * 0.125f;
        for (int k = 0; k < NAct; ++k) {
            const BlockQ8_K& y = static_cast<const BlockQ8_K*>(act[k])[i];
            terms[k][i % kTerms] = (d * y.d) * static_cast<float>(hsum_i32(acc[k])) - (0.f * y.d) * 0.f;
        }
        if (i % kTerms == kTerms - 1 || i + 1 == n / 256)  // the blocks' terms added in order, as the reference adds them
            for (int k = 0; k < NAct; ++k)
                for (std::int64_t t = 0; t <= i % kTerms; ++t) sum[k] += terms[k][t];
    }
    for (int k = 0; k < NAct; ++k) out[k] = sum[k];
}

template <template <typename> class F, typename... Args>
void by_type(TensorType w, Args&&... args) {
    switch (w) {
        case TensorType::IQ2_XXS: return F<Iq2xxs>::run(args...);
        case TensorType::IQ2_XS: return F<Iq2xs>::run(args...);
        case TensorType::IQ2_S: return F<Iq2s>::run(args...);
        case TensorType::IQ3_XXS: return F<Iq3xxs>::run(args...);
        case TensorType::IQ3_S: return F<Iq3s>::run(args...);
        case TensorType::IQ1_S: return F<Iq1s>::run(args...);
        case TensorType::IQ1_M: return F<Iq1m>::run(args...);
        default: fail("{} is not a codebook super-block type", type_name(w));
    }
}
template <typename T>
struct Unpack {
    static void run(const void* row, std::int64_t i, SuperBlock& s) { unpack<T>(row, i, s); }
};
template <typename T>
struct Dot1 {
    static void run(const void* row, const void* const* act, std::int64_t n, float* out) { dot<T, 1>(row, act, n, out); }
};
template <typename T>
struct Dot4 {
    static void run(const void* row, const void* const* act, std::int64_t n, float* out) { dot<T, 4>(row, act, n, out); }
};

}  // namespace

void unpack_iq_quants_avx2(TensorType w, const void* row, std::int64_t i, SuperBlock& s) { by_type<Unpack>(w, row, i, s); }

float vec_dot_iq_avx2(TensorType w, const void* row, const void* act, std::int64_t n) {
    float out;
    const void* acts[1] = {act};
    if (w == TensorType::IQ2_XS) dot_iq2_xs<1>(row, acts, n, &out);
    else by_type<Dot1>(w, row, static_cast<const void* const*>(acts), n, &out);
    return out;
}

void vec_dot_iq_avx2_x4(TensorType w, const void* row, const void* const* act, std::int64_t n, float* out) {
    if (w == TensorType::IQ2_XS) dot_iq2_xs<4>(row, act, n, out);
    else by_type<Dot4>(w, row, act, n, out);
}

// The rows kernel for IQ2_XS: run_rows' loop (tiles of 16 tokens, four at a time) calling the kernel directly
// and touching the next row's first block ahead of time.
void gemm_rows_iq2_xs_avx2(const GemmTask& t) {
    constexpr std::int64_t kTokenTile = 16;
    for (std::int64_t t0 = 0; t0 < t.n_tokens; t0 += kTokenTile) {
        const std::int64_t t1 = std::min(t.n_tokens, t0 + kTokenTile);
        for (std::int64_t o = t.row_begin; o < t.row_end; ++o) {
            const std::uint8_t* row = t.weight + static_cast<std::size_t>(o) * t.weight_stride;
            if (o + 1 < t.row_end) _mm_prefetch(reinterpret_cast<const char*>(row + t.weight_stride), _MM_HINT_T0);
            std::int64_t k = t0;
            for (; k + 4 <= t1; k += 4) {
                const void* x[4];
                for (int j = 0; j < 4; ++j) x[j] = t.act + static_cast<std::size_t>(k + j) * t.act_stride;
                float r[4];
                dot_iq2_xs<4>(row, x, t.n_in, r);
                for (int j = 0; j < 4; ++j) t.y[(k + j) * t.ldy + o] = r[j];
            }
            for (; k < t1; ++k) {
                const void* x[1] = {t.act + static_cast<std::size_t>(k) * t.act_stride};
                dot_iq2_xs<1>(row, x, t.n_in, &t.y[k * t.ldy + o]);
            }
        }
    }
}

}  // namespace qforge
