// AVX-512 conversion of activation rows (compiled with AVX-512F/BW/VL/DQ; callers check the CPU). Every value
// is the reference's: maxima are order-independent, products are single IEEE multiplies, and conversion to
// integers rounds to nearest even as nearbyintf and ggml's nearest_int do.
#include <immintrin.h>

#include <cstring>

#include "core/float_convert.h"
#include "quant/kernels/activations.h"

namespace qforge {
namespace {

// 32 floats times scale -> 32 int8 at q (|x| <= amax keeps every product within +-127 after rounding);
// returns their sum.
inline int quantize32(const float* x, __m512 scale, std::int8_t* q) {
    const __m512i a = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(x), scale));
    const __m512i b = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(x + 16), scale));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(q), _mm512_cvtsepi32_epi8(a));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(q + 16), _mm512_cvtsepi32_epi8(b));
    return _mm512_reduce_add_epi32(_mm512_add_epi32(a, b));
}

inline float abs_max32(const float* x) {
    const __m512 m = _mm512_max_ps(_mm512_abs_ps(_mm512_loadu_ps(x)), _mm512_abs_ps(_mm512_loadu_ps(x + 16)));
    return _mm512_reduce_max_ps(m);
}

void q8_0_sums(const float* x, std::int64_t n, std::uint8_t* out, int slot) {
    const Q8SumsLayout l = q8_0_sums_layout(n);
    auto* qs = reinterpret_cast<std::int8_t*>(out + l.qs);
    auto* d = reinterpret_cast<float*>(out + l.d);
    auto* minus8 = reinterpret_cast<std::int32_t*>(out + l.minus8);
    auto* minus128 = reinterpret_cast<std::int32_t*>(out + l.minus128);
    for (std::int64_t b = 0; b < n / 32; ++b) {
        const std::int64_t at = b * kActivationTile + slot;
        const float amax = abs_max32(x + 32 * b);
        const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
        d[at] = fp16_to_fp32(fp32_to_fp16(amax / 127.0f));
        const int sum = quantize32(x + 32 * b, _mm512_set1_ps(id), qs + 32 * at);
        minus8[at] = -8 * sum;
        minus128[at] = -128 * sum;
    }
}

// ggml's quantize_row_q8_K: the scale comes from the first value of largest magnitude, with its sign.
void q8_k_sums(const float* x, std::int64_t n, std::uint8_t* out, int slot) {
    const Q8SumsLayout l = q8_k_sums_layout(n);
    auto* qs = reinterpret_cast<std::int8_t*>(out + l.qs);
    auto* d = reinterpret_cast<float*>(out + l.d);
    auto* s16 = reinterpret_cast<std::int16_t*>(out + l.sums16);
    auto* s32 = reinterpret_cast<std::int16_t*>(out + l.sums32);
    for (std::int64_t b = 0; b < n / 256; ++b) {
        const std::int64_t at = b * kActivationTile + slot;
        const float* xb = x + 256 * b;
        __m512 m = _mm512_setzero_ps();
        for (int j = 0; j < 256; j += 16) m = _mm512_max_ps(m, _mm512_abs_ps(_mm512_loadu_ps(xb + j)));
        const float amax = _mm512_reduce_max_ps(m);
        std::int8_t* q = qs + 256 * at;
        if (amax == 0.0f) {
            std::memset(q, 0, 256);
            d[at] = 0.0f;
            for (int g = 0; g < 16; ++g) s16[16 * at + g] = 0;
            for (int g = 0; g < 8; ++g) s32[8 * at + g] = 0;
            continue;
        }
        float max = 0;
        const __m512 target = _mm512_set1_ps(amax);
        for (int j = 0; j < 256; j += 16) {
            const __m512 v = _mm512_loadu_ps(xb + j);
            const __mmask16 hit = _mm512_cmp_ps_mask(_mm512_abs_ps(v), target, _CMP_EQ_OQ);
            if (hit != 0) {
                max = xb[j + __builtin_ctz(hit)];
                break;
            }
        }
        const float iscale = -127.f / max;
        const __m512 scale = _mm512_set1_ps(iscale);
        for (int g = 0; g < 8; ++g) {
            // nearest_int(iscale * x), capped at 127 (values below -127.5 cannot occur: |x| <= |max|)
            const __m512i a = _mm512_min_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(xb + 32 * g), scale)), _mm512_set1_epi32(127));
            const __m512i c = _mm512_min_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(xb + 32 * g + 16), scale)), _mm512_set1_epi32(127));
            _mm_storeu_si128(reinterpret_cast<__m128i*>(q + 32 * g), _mm512_cvtsepi32_epi8(a));
            _mm_storeu_si128(reinterpret_cast<__m128i*>(q + 32 * g + 16), _mm512_cvtsepi32_epi8(c));
            const int sa = _mm512_reduce_add_epi32(a), sc = _mm512_reduce_add_epi32(c);
            s16[16 * at + 2 * g] = static_cast<std::int16_t>(sa);
            s16[16 * at + 2 * g + 1] = static_cast<std::int16_t>(sc);
            s32[8 * at + g] = static_cast<std::int16_t>(sa + sc);
        }
        d[at] = 1 / iscale;
    }
}

void round_f16(const float* x, std::int64_t n, float* y) {
    std::int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(y + i, _mm512_cvtph_ps(_mm512_cvtps_ph(_mm512_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)));
    for (; i < n; ++i) y[i] = fp16_to_fp32(fp32_to_fp16(x[i]));
}

void to_f16(const float* x, std::int64_t n, std::uint16_t* y) {
    std::int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(y + i), _mm512_cvtps_ph(_mm512_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    for (; i < n; ++i) y[i] = fp32_to_fp16(x[i]);
}

// 16 floats rounded to nearest even bf16 (NaNs kept, quieted), in the upper halves of the lanes.
inline __m512i bf16_high(const float* x) {
    const __m512i v = _mm512_castps_si512(_mm512_loadu_ps(x));
    const __m512i high = _mm512_set1_epi32(static_cast<int>(0xFFFF0000u));
    const __m512i r = _mm512_and_si512(
        _mm512_add_epi32(v, _mm512_add_epi32(_mm512_set1_epi32(0x7FFF), _mm512_and_si512(_mm512_srli_epi32(v, 16), _mm512_set1_epi32(1)))), high);
    const __mmask16 nan = _mm512_cmp_ps_mask(_mm512_castsi512_ps(v), _mm512_castsi512_ps(v), _CMP_UNORD_Q);
    const __m512i quiet = _mm512_and_si512(_mm512_or_si512(v, _mm512_set1_epi32(64 << 16)), high);
    return _mm512_mask_mov_epi32(r, nan, quiet);
}

void round_bf16(const float* x, std::int64_t n, float* y) {
    std::int64_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, _mm512_castsi512_ps(bf16_high(x + i)));
    for (; i < n; ++i) y[i] = bf16_to_fp32(fp32_to_bf16(x[i]));
}

void to_bf16(const float* x, std::int64_t n, std::uint16_t* y) {
    std::int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(y + i), _mm512_cvtepi32_epi16(_mm512_srli_epi32(bf16_high(x + i), 16)));
    for (; i < n; ++i) y[i] = fp32_to_bf16(x[i]);
}

}  // namespace

void convert_activation_row_avx512(ActivationFormat f, const float* x, std::int64_t n, std::uint8_t* out, int slot) {
    switch (f) {
        case ActivationFormat::Q8_0_SUMS:
            if (n % 32 != 0) break;
            q8_0_sums(x, n, out, slot);
            return;
        case ActivationFormat::Q8_K_SUMS:
            if (n % 256 != 0) break;
            q8_k_sums(x, n, out, slot);
            return;
        case ActivationFormat::F32_F16: round_f16(x, n, reinterpret_cast<float*>(out)); return;
        case ActivationFormat::F32_BF16: round_bf16(x, n, reinterpret_cast<float*>(out)); return;
        case ActivationFormat::F16: to_f16(x, n, reinterpret_cast<std::uint16_t*>(out)); return;
        case ActivationFormat::BF16: to_bf16(x, n, reinterpret_cast<std::uint16_t*>(out)); return;
        default: break;
    }
    convert_activation_row_reference(f, x, n, out, slot);
}

}  // namespace qforge
