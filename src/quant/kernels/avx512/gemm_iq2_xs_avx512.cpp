#include "quant/kernels/avx512/gemm_iq2_xs_avx512.h"

#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "quant/codecs/iq_dequant.h"
#include "quant/codecs/iq_grids.h"
#include "quant/codecs/kquants.h"

namespace qforge {
namespace {

int hsum_i32(__m512i v) { return _mm512_reduce_add_epi32(v); }

template <int NAct>
void dot_rows(const BlockIQ2_XS* x, const void* const* act, std::int64_t n, float* out) {
    alignas(32) static const std::uint8_t kOddParity[32] = {0x00, 0x80, 0x80, 0x00, 0x80, 0x00, 0x00, 0x80, 0x80, 0x00, 0x00,
                                                            0x80, 0x00, 0x80, 0x80, 0x00, 0x00, 0x80, 0x80, 0x00, 0x80, 0x00,
                                                            0x00, 0x80, 0x80, 0x00, 0x00, 0x80, 0x00, 0x80, 0x80, 0x00};
    const __m256i odd_parity = _mm256_load_si256(reinterpret_cast<const __m256i*>(kOddParity));
    const __m256i m511 = _mm256_set1_epi16(511);
    const __m128i m4 = _mm_set1_epi8(0xf), m1 = _mm_set1_epi8(1);
    // the four scale bytes of two sub-blocks (their 16-weight groups in order) each spread over 8 bytes, which
    // widen to the 8 int16 lanes maddubs gives each group
    const __m256i scale_spread = _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0x0000000000000000);
    const auto* grid = iq_grids::kIq2xs;
    alignas(32) std::uint16_t gindex[16];
    alignas(16) std::uint8_t signs[16];
    float sum[NAct] = {};
    for (std::int64_t i = 0; i < n / 256; ++i) {
        std::uint64_t aux64;
        std::memcpy(&aux64, x[i].scales, sizeof(aux64));
        __m128i stmp = _mm_set1_epi64x(static_cast<long long>(aux64));
        stmp = _mm_unpacklo_epi8(_mm_and_si128(stmp, m4), _mm_and_si128(_mm_srli_epi16(stmp, 4), m4));
        const __m128i scales = _mm_add_epi8(_mm_slli_epi16(stmp, 1), m1);  // 2s + 1 per 16 weights, in order
        __m512i acc[NAct];
        for (int k = 0; k < NAct; ++k) acc[k] = _mm512_setzero_si512();
        for (int half = 0; half < 2; ++half) {
            const __m256i q2 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[i].qs + 16 * half));
            _mm256_store_si256(reinterpret_cast<__m256i*>(gindex), _mm256_and_si256(q2, m511));
            const __m256i partial = _mm256_srli_epi16(q2, 9);
            const __m256i full = _mm256_or_si256(partial, _mm256_shuffle_epi8(odd_parity, _mm256_xor_si256(partial, _mm256_srli_epi16(q2, 13))));
            _mm_store_si128(reinterpret_cast<__m128i*>(signs), _mm256_cvtepi16_epi8(full));  // sign byte of each group of 8
            for (int j = 0; j < 2; ++j) {  // sub-blocks 4 half + 2j and 4 half + 2j + 1
                const int g0 = 8 * j;
                const __m512i mag = _mm512_set_epi64(
                    static_cast<long long>(grid[gindex[g0 + 7]]), static_cast<long long>(grid[gindex[g0 + 6]]),
                    static_cast<long long>(grid[gindex[g0 + 5]]), static_cast<long long>(grid[gindex[g0 + 4]]),
                    static_cast<long long>(grid[gindex[g0 + 3]]), static_cast<long long>(grid[gindex[g0 + 2]]),
                    static_cast<long long>(grid[gindex[g0 + 1]]), static_cast<long long>(grid[gindex[g0]]));
                std::uint64_t neg;
                std::memcpy(&neg, signs + g0, sizeof(neg));
                const int ib = 4 * half + 2 * j;
                const __m256i spread = _mm256_add_epi8(scale_spread, _mm256_set1_epi8(static_cast<char>(2 * ib)));
                const __m512i sc = _mm512_cvtepi8_epi16(_mm256_shuffle_epi8(_mm256_broadcastsi128_si256(scales), spread));
                for (int k = 0; k < NAct; ++k) {
                    const __m512i y = _mm512_loadu_si512(static_cast<const BlockQ8_K*>(act[k])[i].qs + 32 * ib);
                    const __m512i sy = _mm512_mask_sub_epi8(y, static_cast<__mmask64>(neg), _mm512_setzero_si512(), y);
                    acc[k] = _mm512_dpwssd_epi32(acc[k], _mm512_maddubs_epi16(mag, sy), sc);
                }
            }
        }
        const float d = _cvtsh_ss(x[i].d) * 0.125f;
        for (int k = 0; k < NAct; ++k) {
            const BlockQ8_K& y = static_cast<const BlockQ8_K*>(act[k])[i];
            sum[k] += (d * y.d) * static_cast<float>(hsum_i32(acc[k])) - (0.f * y.d) * 0.f;
        }
    }
    for (int k = 0; k < NAct; ++k) out[k] = sum[k];
}

}  // namespace

void gemm_rows_iq2_xs_avx512(const GemmTask& t) {
    constexpr std::int64_t kTokenTile = 16;
    for (std::int64_t t0 = 0; t0 < t.n_tokens; t0 += kTokenTile) {
        const std::int64_t t1 = std::min(t.n_tokens, t0 + kTokenTile);
        for (std::int64_t o = t.row_begin; o < t.row_end; ++o) {
            const auto* row = reinterpret_cast<const BlockIQ2_XS*>(t.weight + static_cast<std::size_t>(o) * t.weight_stride);
            std::int64_t k = t0;
            for (; k + 4 <= t1; k += 4) {
                const void* x[4];
                for (int j = 0; j < 4; ++j) x[j] = t.act + static_cast<std::size_t>(k + j) * t.act_stride;
                float r[4];
                dot_rows<4>(row, x, t.n_in, r);
                for (int j = 0; j < 4; ++j) t.y[(k + j) * t.ldy + o] = r[j];
            }
            for (; k < t1; ++k) {
                const void* x[1] = {t.act + static_cast<std::size_t>(k) * t.act_stride};
                dot_rows<1>(row, x, t.n_in, &t.y[k * t.ldy + o]);
            }
        }
    }
}

}  // namespace qforge
