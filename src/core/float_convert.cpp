#include "core/float_convert.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "core/error.h"

namespace qforge {

namespace detail {
namespace {
// (a plain array: clang's constant evaluator counts std::array's operator[] calls against its step limit)
constexpr Fp16Table make_fp16_table() {
    Fp16Table t{};
    for (std::uint32_t h = 0; h < 65536; ++h) t.v[h] = fp16_to_fp32_computed(static_cast<std::uint16_t>(h));
    return t;
}
}  // namespace
constinit const Fp16Table kFp16ToFp32 = make_fp16_table();
}  // namespace detail

std::uint16_t fp32_to_fp16(float f) {
    const std::uint32_t x = std::bit_cast<std::uint32_t>(f);
    const std::uint16_t sign = static_cast<std::uint16_t>((x >> 16) & 0x8000u);
    const std::uint32_t abs = x & 0x7FFFFFFFu;
    if (abs >= 0x7F800000u) {  // inf or NaN
        if (abs == 0x7F800000u) return sign | 0x7C00u;
        return sign | 0x7E00u | static_cast<std::uint16_t>((abs >> 13) & 0x3FFu);
    }
    if (abs >= 0x477FF000u) return sign | 0x7C00u;  // rounds to >= 65520: overflow to inf
    if (abs < 0x38800000u) {                         // below fp16's smallest normal: subnormal or zero
        if (abs < 0x33000000u) return sign;          // < 2^-25 rounds to zero (2^-25 exactly ties to even 0)
        const std::uint32_t exp = abs >> 23;
        const std::uint32_t mant = (abs & 0x7FFFFFu) | 0x800000u;
        const std::uint32_t shift = 126 - exp;  // 14 + (127-15) - exp + 1 ... aligns to 2^-24 units
        std::uint32_t q = mant >> shift;
        const std::uint32_t rem = mant & ((1u << shift) - 1);
        const std::uint32_t half = 1u << (shift - 1);
        if (rem > half || (rem == half && (q & 1u))) ++q;
        return sign | static_cast<std::uint16_t>(q);
    }
    // normal: rebias exponent, round mantissa from 23 to 10 bits, nearest even
    std::uint32_t v = abs - 0x38000000u;  // exponent - 112
    const std::uint32_t rem = v & 0x1FFFu;
    v >>= 13;
    if (rem > 0x1000u || (rem == 0x1000u && (v & 1u))) ++v;
    return sign | static_cast<std::uint16_t>(v);
}

float bf16_to_fp32(std::uint16_t b) { return std::bit_cast<float>(static_cast<std::uint32_t>(b) << 16); }

std::uint16_t fp32_to_bf16(float f) {
    std::uint32_t x = std::bit_cast<std::uint32_t>(f);
    if ((x & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<std::uint16_t>((x >> 16) | 64u);  // quiet NaN
    x += 0x7FFFu + ((x >> 16) & 1u);
    return static_cast<std::uint16_t>(x >> 16);
}

float fp8_e4m3_to_fp32(std::uint8_t v) {
    const float sign = (v & 0x80u) ? -1.0f : 1.0f;
    const int exp = (v >> 3) & 0xF;
    const int mant = v & 0x7;
    if (exp == 0xF && mant == 0x7) return std::nanf("");  // E4M3FN has no infinities
    if (exp == 0) return sign * std::ldexp(static_cast<float>(mant), -9);
    return sign * std::ldexp(1.0f + static_cast<float>(mant) / 8.0f, exp - 7);
}

std::uint8_t fp32_to_fp8_e4m3(float f) {
    const std::uint8_t sign = std::signbit(f) ? 0x80 : 0x00;
    if (std::isnan(f)) return static_cast<std::uint8_t>(sign | 0x7f);
    const float a = std::min(std::fabs(f), 448.0f);
    if (a < 0.015625f) {  // below 2^-6: subnormal steps of 2^-9 (a count of 8 is the smallest normal, 0x08)
        return static_cast<std::uint8_t>(sign | static_cast<int>(std::nearbyint(a * 512.0f)));
    }
    int e = 0;
    const float m = std::frexp(a, &e);  // a = m * 2^e, m in [0.5, 1)
    int mant = static_cast<int>(std::nearbyint((m * 2.0f - 1.0f) * 8.0f));
    int exp = e - 1 + 7;
    if (mant == 8) {
        mant = 0;
        ++exp;
    }
    return static_cast<std::uint8_t>(sign | (exp << 3) | mant);
}

float fp8_e5m2_to_fp32(std::uint8_t v) { return fp16_to_fp32(static_cast<std::uint16_t>(v) << 8); }

bool is_float_type(TensorType type) {
    switch (type) {
        case TensorType::F32: case TensorType::F16: case TensorType::BF16: case TensorType::F64:
        case TensorType::F8_E4M3: case TensorType::F8_E5M2:
            return true;
        default:
            return false;
    }
}

namespace {

template <typename Storage, float (*decode)(Storage)>
void decode_all(const std::uint8_t* bytes, float* dst, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
        Storage v;
        std::memcpy(&v, bytes + sizeof(Storage) * i, sizeof(Storage));
        dst[i] = decode(v);
    }
}

template <typename Storage, Storage (*encode)(float)>
void encode_all(const float* src, std::uint8_t* bytes, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
        const Storage v = encode(src[i]);
        std::memcpy(bytes + sizeof(Storage) * i, &v, sizeof(Storage));
    }
}

float f64_to_fp32(double d) { return static_cast<float>(d); }

// Bulk fp16/bf16 conversions with AVX-512 where the CPU has it: the same values as the scalar functions (the
// hardware's fp16 conversions are exact and round to nearest even; 16-value chunks holding a NaN, whose
// payload handling differs, take the scalar path).
#if defined(__x86_64__)
bool has_avx512f() {
    static const bool yes = __builtin_cpu_supports("avx512f");
    return yes;
}

__attribute__((target("avx512f"))) std::size_t fp16_to_fp32_simd(const std::uint8_t* src, float* dst, std::size_t n) {
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + 2 * i));
        const __m512i w = _mm512_cvtepu16_epi32(h);
        const __m512i exp = _mm512_and_si512(w, _mm512_set1_epi32(0x7C00)), mant = _mm512_and_si512(w, _mm512_set1_epi32(0x3FF));
        const __mmask16 nan = _mm512_cmpeq_epi32_mask(exp, _mm512_set1_epi32(0x7C00)) & _mm512_cmpneq_epi32_mask(mant, _mm512_setzero_si512());
        if (nan != 0) break;
        _mm512_storeu_ps(dst + i, _mm512_cvtph_ps(h));
    }
    return i;
}

__attribute__((target("avx512f"))) std::size_t fp32_to_fp16_simd(const float* src, std::uint8_t* dst, std::size_t n) {
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512 v = _mm512_loadu_ps(src + i);
        if (_mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q) != 0) break;
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + 2 * i), _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    }
    return i;
}

__attribute__((target("avx512f"))) std::size_t bf16_to_fp32_simd(const std::uint8_t* src, float* dst, std::size_t n) {
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + 2 * i));
        _mm512_storeu_si512(dst + i, _mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
    }
    return i;
}
#else
bool has_avx512f() { return false; }
std::size_t fp16_to_fp32_simd(const std::uint8_t*, float*, std::size_t) { return 0; }
std::size_t fp32_to_fp16_simd(const float*, std::uint8_t*, std::size_t) { return 0; }
std::size_t bf16_to_fp32_simd(const std::uint8_t*, float*, std::size_t) { return 0; }
#endif

}  // namespace

void convert_to_f32(TensorType type, const void* src, float* dst, std::size_t n) {
    const auto* bytes = static_cast<const std::uint8_t*>(src);
    switch (type) {
        case TensorType::F32: std::memcpy(dst, src, n * sizeof(float)); return;
        case TensorType::F16: {
            // SIMD as far as it goes (it stops at a chunk holding a NaN), then the scalar conversion
            const std::size_t done = has_avx512f() ? fp16_to_fp32_simd(bytes, dst, n) : 0;
            decode_all<std::uint16_t, fp16_to_fp32>(bytes + 2 * done, dst + done, n - done);
            return;
        }
        case TensorType::BF16: {
            const std::size_t done = has_avx512f() ? bf16_to_fp32_simd(bytes, dst, n) : 0;
            decode_all<std::uint16_t, bf16_to_fp32>(bytes + 2 * done, dst + done, n - done);
            return;
        }
        case TensorType::F64: decode_all<double, f64_to_fp32>(bytes, dst, n); return;
        case TensorType::F8_E4M3: decode_all<std::uint8_t, fp8_e4m3_to_fp32>(bytes, dst, n); return;
        case TensorType::F8_E5M2: decode_all<std::uint8_t, fp8_e5m2_to_fp32>(bytes, dst, n); return;
        default: fail("cannot convert {} values to f32", type_name(type));
    }
}

void convert_from_f32(TensorType type, const float* src, void* dst, std::size_t n) {
    auto* bytes = static_cast<std::uint8_t*>(dst);
    switch (type) {
        case TensorType::F32: std::memcpy(dst, src, n * sizeof(float)); return;
        case TensorType::F16: {
            const std::size_t done = has_avx512f() ? fp32_to_fp16_simd(src, bytes, n) : 0;
            encode_all<std::uint16_t, fp32_to_fp16>(src + done, bytes + 2 * done, n - done);
            return;
        }
        case TensorType::BF16: encode_all<std::uint16_t, fp32_to_bf16>(src, bytes, n); return;
        default: fail("cannot convert f32 values to {}", type_name(type));
    }
}

}  // namespace qforge
