// AVX2 + FMA + F16C dot products (this file alone is compiled with those extensions; callers check
// cpu_has_avx2() first). Eight lanes accumulate separately, so sums differ from the scalar reference only by
// float reassociation.
#include <immintrin.h>

#include <cstring>
#include <vector>

#include "core/error.h"
#include "core/float_convert.h"
#include "quant/codecs/codec_table.h"
#include "quant/codecs/iq4.h"
#include "quant/codecs/kquants.h"
#include "quant/codecs/legacy.h"
#include "quant/kernels/avx2/unpack_iq_avx2.h"
#include "quant/kernels/super_block.h"
#include "quant/kernels/super_block_iq.h"
#include "quant/kernels/vec_dot.h"

namespace qforge {
namespace {

// F16C's conversion, inline (fp16 to fp32 is exact, so this equals core's fp16_to_fp32 bit for bit).
inline float half_to_float(std::uint16_t h) { return _cvtsh_ss(h); }

int hsum_i32(__m256i v) {
    __m128i x = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    x = _mm_add_epi32(x, _mm_shuffle_epi32(x, _MM_SHUFFLE(1, 0, 3, 2)));
    x = _mm_add_epi32(x, _mm_shuffle_epi32(x, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm_cvtsi128_si32(x);
}

// Lanes summed as llama.cpp's tinyBLAS sums them ((hi + lo), then (0+2) + (1+3)), so an F32 matmul gives
// llama.cpp's bits: values near an fp16 rounding midpoint (the KV cache) then round the same way.
float hsum(__m256 v) {
    __m128 x = _mm_add_ps(_mm256_extractf128_ps(v, 1), _mm256_castps256_ps128(v));
    x = _mm_add_ps(x, _mm_movehl_ps(x, x));
    x = _mm_add_ss(x, _mm_movehdup_ps(x));
    return _mm_cvtss_f32(x);
}

__m256 load_bf16(const std::uint16_t* p) {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}

__m256 load_f16(const std::uint16_t* p) { return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }

// Products of 32 unsigned bytes (0..31) with 32 signed bytes, as 8 int32 lanes turned float.
__m256 dot_u8i8x32(__m256i u, const std::int8_t* b) {
    const __m256i y = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b));
    const __m256i dot32 = _mm256_madd_epi16(_mm256_maddubs_epi16(u, y), _mm256_set1_epi16(1));
    return _mm256_cvtepi32_ps(dot32);
}

__m256 dot_i8i8x32(__m256i x, const std::int8_t* b) {
    const __m256i y = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b));
    const __m256i dot16 = _mm256_maddubs_epi16(_mm256_sign_epi8(x, x), _mm256_sign_epi8(y, x));
    return _mm256_cvtepi32_ps(_mm256_madd_epi16(dot16, _mm256_set1_epi16(1)));
}

// 16 bytes of nibbles -> 32 bytes: low nibbles are elements 0..15, high nibbles 16..31.
__m256i nibbles(const std::uint8_t* qs) {
    const __m128i t = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
    const __m256i both = _mm256_insertf128_si256(_mm256_castsi128_si256(t), _mm_srli_epi16(t, 4), 1);
    return _mm256_and_si256(both, _mm256_set1_epi8(0x0F));
}

// Bit j of a 32-bit mask -> 0x10 in byte j.
__m256i fifth_bits(const std::uint8_t* qh) {
    std::uint32_t bits;
    std::memcpy(&bits, qh, 4);
    const __m256i shuf = _mm256_setr_epi64x(0x0000000000000000, 0x0101010101010101, 0x0202020202020202, 0x0303030303030303);
    __m256i v = _mm256_shuffle_epi8(_mm256_set1_epi32(static_cast<int>(bits)), shuf);
    v = _mm256_or_si256(v, _mm256_set1_epi64x(0x7fbfdfeff7fbfdfe));
    v = _mm256_cmpeq_epi8(v, _mm256_set1_epi64x(-1));
    return _mm256_and_si256(v, _mm256_set1_epi8(0x10));
}

// One weight block of a legacy type as 32 bytes (signed for Q8_0/Q4_0/Q5_0, unsigned 0..31 for Q4_1/Q5_1),
// its scale and its minimum.
struct WeightBlock {
    __m256i q;
    float d, m;
};

template <TensorType W>
inline WeightBlock unpack_block(const void* a, std::int64_t blk) {
    switch (W) {
        case TensorType::Q8_0: {
            const auto& x = static_cast<const BlockQ8_0*>(a)[blk];
            return {_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.qs)), half_to_float(x.d), 0.0f};
        }
        case TensorType::Q4_0: {
            const auto& x = static_cast<const BlockQ4_0*>(a)[blk];
            return {_mm256_sub_epi8(nibbles(x.qs), _mm256_set1_epi8(8)), half_to_float(x.d), 0.0f};
        }
        case TensorType::Q5_0: {
            const auto& x = static_cast<const BlockQ5_0*>(a)[blk];
            return {_mm256_sub_epi8(_mm256_or_si256(nibbles(x.qs), fifth_bits(x.qh)), _mm256_set1_epi8(16)),
                    half_to_float(x.d), 0.0f};
        }
        case TensorType::IQ4_NL: {
            const auto& x = static_cast<const BlockIQ4_NL*>(a)[blk];
            const __m256i table = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(kIQ4Values)));
            return {_mm256_shuffle_epi8(table, nibbles(x.qs)), half_to_float(x.d), 0.0f};
        }
        case TensorType::Q4_1: {
            const auto& x = static_cast<const BlockQ4_1*>(a)[blk];
            return {nibbles(x.qs), half_to_float(x.d), half_to_float(x.m)};
        }
        default: {
            const auto& x = static_cast<const BlockQ5_1*>(a)[blk];
            return {_mm256_or_si256(nibbles(x.qs), fifth_bits(x.qh)), half_to_float(x.d), half_to_float(x.m)};
        }
    }
}

// Signed-weight types (Q8_0, Q4_0, Q5_0) take Q8_0 activations; the types with a minimum take Q8_1.
template <TensorType W>
float dot_blocks(const void* a, const void* b, std::int64_t n) {
    constexpr bool with_min = W == TensorType::Q4_1 || W == TensorType::Q5_1;
    __m256 acc = _mm256_setzero_ps();
    float mins = 0.0f;
    for (std::int64_t blk = 0; blk < n / 32; ++blk) {
        const WeightBlock x = unpack_block<W>(a, blk);
        if constexpr (with_min) {
            const auto& y = static_cast<const BlockQ8_1*>(b)[blk];
            mins += x.m * half_to_float(y.s);
            acc = _mm256_fmadd_ps(_mm256_set1_ps(x.d * half_to_float(y.d)), dot_u8i8x32(x.q, y.qs), acc);
        } else {
            const auto& y = static_cast<const BlockQ8_0*>(b)[blk];
            acc = _mm256_fmadd_ps(_mm256_set1_ps(x.d * half_to_float(y.d)), dot_i8i8x32(x.q, y.qs), acc);
        }
    }
    return hsum(acc) + mins;
}

template <TensorType W>
void dot_blocks_x4(const void* a, const void* const* b, std::int64_t n, float* out) {
    constexpr bool with_min = W == TensorType::Q4_1 || W == TensorType::Q5_1;
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    float mins[4] = {0, 0, 0, 0};
    for (std::int64_t blk = 0; blk < n / 32; ++blk) {
        const WeightBlock x = unpack_block<W>(a, blk);
        for (int k = 0; k < 4; ++k) {
            if constexpr (with_min) {
                const auto& y = static_cast<const BlockQ8_1*>(b[k])[blk];
                mins[k] += x.m * half_to_float(y.s);
                acc[k] = _mm256_fmadd_ps(_mm256_set1_ps(x.d * half_to_float(y.d)), dot_u8i8x32(x.q, y.qs), acc[k]);
            } else {
                const auto& y = static_cast<const BlockQ8_0*>(b[k])[blk];
                acc[k] = _mm256_fmadd_ps(_mm256_set1_ps(x.d * half_to_float(y.d)), dot_i8i8x32(x.q, y.qs), acc[k]);
            }
        }
    }
    for (int k = 0; k < 4; ++k) out[k] = hsum(acc[k]) + mins[k];
}

// Faster unpacking of the k-quants and codebook types into the same SuperBlock the scalar unpack_super_block fills
// (the vec_dot tests hold the two to bit-identical results); other types use the scalar unpack.
void unpack_fast(TensorType w, const void* row, std::int64_t i, SuperBlock& s) {
    const __m256i low4 = _mm256_set1_epi8(0x0F);
    switch (w) {
        case TensorType::Q4_K: {
            const BlockQ4_K& x = static_cast<const BlockQ4_K*>(row)[i];
            for (int j = 0; j < 4; ++j) {
                const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.qs + 32 * j));
                _mm256_store_si256(reinterpret_cast<__m256i*>(s.q + 64 * j), _mm256_and_si256(b, low4));
                _mm256_store_si256(reinterpret_cast<__m256i*>(s.q + 64 * j + 32), _mm256_and_si256(_mm256_srli_epi16(b, 4), low4));
            }
            break;
        }
        case TensorType::Q5_K: {
            const BlockQ5_K& x = static_cast<const BlockQ5_K*>(row)[i];
            const __m256i hbits = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.qh));
            const __m256i one = _mm256_set1_epi8(1);
            for (int j = 0; j < 4; ++j) {
                const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.qs + 32 * j));
                // bit 2j of qh is the fifth bit of the low nibbles, bit 2j+1 of the high ones
                const __m256i h0 = _mm256_and_si256(_mm256_srlv_epi32(hbits, _mm256_set1_epi32(2 * j)), one);
                const __m256i h1 = _mm256_and_si256(_mm256_srlv_epi32(hbits, _mm256_set1_epi32(2 * j + 1)), one);
                const __m256i lo = _mm256_or_si256(_mm256_and_si256(b, low4), _mm256_slli_epi16(h0, 4));
                const __m256i hi = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(b, 4), low4), _mm256_slli_epi16(h1, 4));
                _mm256_store_si256(reinterpret_cast<__m256i*>(s.q + 64 * j), lo);
                _mm256_store_si256(reinterpret_cast<__m256i*>(s.q + 64 * j + 32), hi);
            }
            break;
        }
        case TensorType::Q6_K: {
            const BlockQ6_K& x = static_cast<const BlockQ6_K*>(row)[i];
            const __m256i three = _mm256_set1_epi8(3), offset = _mm256_set1_epi8(32);
            for (int h = 0; h < 2; ++h) {
                const __m256i l0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.ql + 64 * h));
                const __m256i l1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.ql + 64 * h + 32));
                const __m256i hb = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.qh + 32 * h));
                const __m256i lows[4] = {_mm256_and_si256(l0, low4), _mm256_and_si256(l1, low4),
                                         _mm256_and_si256(_mm256_srli_epi16(l0, 4), low4),
                                         _mm256_and_si256(_mm256_srli_epi16(l1, 4), low4)};
                for (int g = 0; g < 4; ++g) {
                    const __m256i high = _mm256_and_si256(_mm256_srli_epi16(hb, 2 * g), three);
                    const __m256i q = _mm256_sub_epi8(_mm256_or_si256(lows[g], _mm256_slli_epi16(high, 4)), offset);
                    _mm256_store_si256(reinterpret_cast<__m256i*>(s.q + 128 * h + 32 * g), q);
                }
            }
            break;
        }
        case TensorType::Q2_K:
        case TensorType::Q3_K: {
            const bool q3 = w == TensorType::Q3_K;
            const std::uint8_t* qs = q3 ? static_cast<const BlockQ3_K*>(row)[i].qs : static_cast<const BlockQ2_K*>(row)[i].qs;
            const __m256i three = _mm256_set1_epi8(3), one = _mm256_set1_epi8(1), four = _mm256_set1_epi8(4);
            const __m256i hm = q3 ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(static_cast<const BlockQ3_K*>(row)[i].hmask))
                                  : _mm256_setzero_si256();
            for (int h = 0; h < 2; ++h) {
                const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qs + 32 * h));
                for (int g = 0; g < 4; ++g) {
                    __m256i q = _mm256_and_si256(_mm256_srli_epi16(b, 2 * g), three);
                    if (q3) {  // without its high bit a Q3_K level is 4 lower
                        const __m256i hb = _mm256_and_si256(_mm256_srli_epi16(hm, 4 * h + g), one);
                        q = _mm256_sub_epi8(_mm256_add_epi8(q, _mm256_slli_epi16(hb, 2)), four);
                    }
                    _mm256_store_si256(reinterpret_cast<__m256i*>(s.q + 128 * h + 32 * g), q);
                }
            }
            break;
        }
        case TensorType::IQ4_XS: {
            const BlockIQ4_XS& x = static_cast<const BlockIQ4_XS*>(row)[i];
            const __m128i table = _mm_loadu_si128(reinterpret_cast<const __m128i*>(kIQ4Values));
            const __m128i low4_128 = _mm_set1_epi8(0x0F);
            for (int ib = 0; ib < 8; ++ib) {
                const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x.qs + 16 * ib));
                _mm_store_si128(reinterpret_cast<__m128i*>(s.q + 32 * ib), _mm_shuffle_epi8(table, _mm_and_si128(b, low4_128)));
                _mm_store_si128(reinterpret_cast<__m128i*>(s.q + 32 * ib + 16),
                                _mm_shuffle_epi8(table, _mm_and_si128(_mm_srli_epi16(b, 4), low4_128)));
            }
            break;
        }
        default:
            if (is_iq_super_block_type(w)) {
                unpack_iq_quants_avx2(w, row, i, s);
                break;
            }
            unpack_super_block(w, row, i, s);
            return;
    }
    unpack_super_block_scales(w, row, i, s);
}

// Integer sums of one unpacked super-block against Q8_K activations: isum = sum of scale * (q . a) per 16,
// imin = sum of min * bsums. Exact, so the result equals the scalar reference's bit for bit.
inline void super_block_isums(const SuperBlock& s, const BlockQ8_K& y, int* isum, int* imin) {
    __m256i acc = _mm256_setzero_si256();
    for (int c = 0; c < 8; ++c) {
        const __m256i q = _mm256_load_si256(reinterpret_cast<const __m256i*>(s.q + 32 * c));
        const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y.qs + 32 * c));
        // |q| * (a with q's sign): pairs of products of at most 2 * 127 * 127, no int16 saturation.
        const __m256i p16 = _mm256_maddubs_epi16(_mm256_sign_epi8(q, q), _mm256_sign_epi8(a, q));
        const __m256i sc = _mm256_set_m128i(_mm_set1_epi16(s.scale[2 * c + 1]), _mm_set1_epi16(s.scale[2 * c]));
        acc = _mm256_add_epi32(acc, _mm256_madd_epi16(p16, sc));
    }
    const __m256i mins = _mm256_madd_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(s.min)),
                                           _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y.bsums)));
    *isum = hsum_i32(acc);
    *imin = hsum_i32(mins);
}

float dot_super_blocks(TensorType w, const void* a, const void* b, std::int64_t n) {
    const auto* y = static_cast<const BlockQ8_K*>(b);
    SuperBlock s;
    float sum = 0.0f;
    for (std::int64_t i = 0; i < n / kQK_K; ++i) {
        unpack_fast(w, a, i, s);
        int isum, imin;
        super_block_isums(s, y[i], &isum, &imin);
        sum += super_block_sum(s, y[i], isum, imin);
    }
    return sum;
}

void dot_super_blocks_x4(TensorType w, const void* a, const void* const* b, std::int64_t n, float* out) {
    SuperBlock s;
    float sum[4] = {0, 0, 0, 0};
    for (std::int64_t i = 0; i < n / kQK_K; ++i) {
        unpack_fast(w, a, i, s);
        for (int k = 0; k < 4; ++k) {
            const BlockQ8_K& y = static_cast<const BlockQ8_K*>(b[k])[i];
            int isum, imin;
            super_block_isums(s, y, &isum, &imin);
            sum[k] += super_block_sum(s, y, isum, imin);
        }
    }
    for (int k = 0; k < 4; ++k) out[k] = sum[k];
}

}  // namespace

float vec_dot_avx2(TensorType w, const void* a, const void* b, std::int64_t n) {
    switch (w) {
        case TensorType::F32: {
            const auto* x = static_cast<const float*>(a);
            const auto* y = static_cast<const float*>(b);
            __m256 acc = _mm256_setzero_ps();
            std::int64_t i = 0;
            for (; i + 8 <= n; i += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), acc);
            return hsum(acc) + (i < n ? vec_dot_scalar(w, x + i, y + i, n - i) : 0.0f);  // tail: the reference
        }
        case TensorType::F16:
        case TensorType::BF16: {
            const auto* x = static_cast<const std::uint16_t*>(a);
            const auto* y = static_cast<const std::uint16_t*>(b);
            const bool half = w == TensorType::F16;
            __m256 acc = _mm256_setzero_ps();
            std::int64_t i = 0;
            for (; i + 8 <= n; i += 8)
                acc = half ? _mm256_fmadd_ps(load_f16(x + i), load_f16(y + i), acc)
                           : _mm256_fmadd_ps(load_bf16(x + i), load_bf16(y + i), acc);
            return hsum(acc) + (i < n ? vec_dot_scalar(w, x + i, y + i, n - i) : 0.0f);  // tail: the reference
        }
        case TensorType::Q8_0: return dot_blocks<TensorType::Q8_0>(a, b, n);
        case TensorType::Q4_0: return dot_blocks<TensorType::Q4_0>(a, b, n);
        case TensorType::Q5_0: return dot_blocks<TensorType::Q5_0>(a, b, n);
        case TensorType::Q4_1: return dot_blocks<TensorType::Q4_1>(a, b, n);
        case TensorType::Q5_1: return dot_blocks<TensorType::Q5_1>(a, b, n);
        case TensorType::IQ4_NL: return dot_blocks<TensorType::IQ4_NL>(a, b, n);
        case TensorType::Q2_K: case TensorType::Q3_K: case TensorType::Q4_K: case TensorType::Q5_K:
        case TensorType::Q6_K: case TensorType::IQ4_XS:
            return dot_super_blocks(w, a, b, n);
        case TensorType::IQ2_XXS: case TensorType::IQ2_XS: case TensorType::IQ2_S: case TensorType::IQ3_XXS:
        case TensorType::IQ3_S: case TensorType::IQ1_S: case TensorType::IQ1_M:
            return vec_dot_iq_avx2(w, a, b, n);
        default: {
            // dequantize-only types (TQ1_0, TQ2_0): the row as f32 against f32 activations
            if (!has_vec_dot(w) || activation_type(w) != TensorType::F32) fail("no dot product for weight type {}", type_name(w));
            thread_local std::vector<float> row;
            row.resize(static_cast<std::size_t>(n));
            dequantize_row(w, a, row.data(), n);
            return vec_dot_avx2(TensorType::F32, row.data(), b, n);
        }
    }
}

void vec_dot_avx2_x4(TensorType w, const void* a, const void* const* b, std::int64_t n, float* out) {
    switch (w) {
        case TensorType::F32:
        case TensorType::F16:
        case TensorType::BF16: {
            if (n % 8 != 0) break;
            __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
            for (std::int64_t i = 0; i < n; i += 8) {
                if (w == TensorType::F32) {
                    const __m256 wv = _mm256_loadu_ps(static_cast<const float*>(a) + i);
                    for (int k = 0; k < 4; ++k)
                        acc[k] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(static_cast<const float*>(b[k]) + i), acc[k]);
                } else if (w == TensorType::F16) {
                    const __m256 wv = load_f16(static_cast<const std::uint16_t*>(a) + i);
                    for (int k = 0; k < 4; ++k)
                        acc[k] = _mm256_fmadd_ps(wv, load_f16(static_cast<const std::uint16_t*>(b[k]) + i), acc[k]);
                } else {
                    const __m256 wv = load_bf16(static_cast<const std::uint16_t*>(a) + i);
                    for (int k = 0; k < 4; ++k)
                        acc[k] = _mm256_fmadd_ps(wv, load_bf16(static_cast<const std::uint16_t*>(b[k]) + i), acc[k]);
                }
            }
            for (int k = 0; k < 4; ++k) out[k] = hsum(acc[k]);
            return;
        }
        case TensorType::Q8_0: dot_blocks_x4<TensorType::Q8_0>(a, b, n, out); return;
        case TensorType::Q4_0: dot_blocks_x4<TensorType::Q4_0>(a, b, n, out); return;
        case TensorType::Q5_0: dot_blocks_x4<TensorType::Q5_0>(a, b, n, out); return;
        case TensorType::Q4_1: dot_blocks_x4<TensorType::Q4_1>(a, b, n, out); return;
        case TensorType::Q5_1: dot_blocks_x4<TensorType::Q5_1>(a, b, n, out); return;
        case TensorType::IQ4_NL: dot_blocks_x4<TensorType::IQ4_NL>(a, b, n, out); return;
        case TensorType::Q2_K: case TensorType::Q3_K: case TensorType::Q4_K: case TensorType::Q5_K:
        case TensorType::Q6_K: case TensorType::IQ4_XS:
            dot_super_blocks_x4(w, a, b, n, out);
            return;
        case TensorType::IQ2_XXS: case TensorType::IQ2_XS: case TensorType::IQ2_S: case TensorType::IQ3_XXS:
        case TensorType::IQ3_S: case TensorType::IQ1_S: case TensorType::IQ1_M:
            vec_dot_iq_avx2_x4(w, a, b, n, out);
            return;
        default:
            break;
    }
    for (int k = 0; k < 4; ++k) out[k] = vec_dot_avx2(w, a, b[k], n);
}

}  // namespace qforge
