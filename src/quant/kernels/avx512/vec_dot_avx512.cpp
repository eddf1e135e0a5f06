// AVX-512 dot products for the float weight types (this file alone is compiled with AVX-512F; callers check
// cpu_has_avx512() first). Sixteen lanes accumulate with FMA and are reduced with _mm512_reduce_add_ps, the
// order llama.cpp's tinyBLAS uses on the same CPUs, so an F32 matrix product gives llama.cpp's bits. The
// quantized types take the AVX2 kernels, which every AVX-512 CPU also runs.
#include <immintrin.h>

#include <type_traits>
#include <vector>

#include "core/float_convert.h"
#include "quant/codecs/codec_table.h"
#include "quant/kernels/vec_dot.h"

namespace qforge {
namespace {

__m512 load(const float* p) { return _mm512_loadu_ps(p); }
__m512 load(const std::uint16_t* p, bool half) {
    const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    return half ? _mm512_cvtph_ps(h) : _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

template <typename T>
__m512 lanes(TensorType w, const void* p, std::int64_t i) {
    if constexpr (std::is_same_v<T, float>) return load(static_cast<const float*>(p) + i);
    else return load(static_cast<const std::uint16_t*>(p) + i, w == TensorType::F16);
}

template <typename T>
float dot(TensorType w, const void* a, const void* b, std::int64_t n) {
    __m512 acc = _mm512_setzero_ps();
    std::int64_t i = 0;
    for (; i + 16 <= n; i += 16) acc = _mm512_fmadd_ps(lanes<T>(w, a, i), lanes<T>(w, b, i), acc);
    float sum = _mm512_reduce_add_ps(acc);
    if (i < n) {  // tail: the reference
        const auto* ta = static_cast<const T*>(a) + i;
        const auto* tb = static_cast<const T*>(b) + i;
        sum += vec_dot_scalar(w, ta, tb, n - i);
    }
    return sum;
}

template <typename T>
void dot_x4(TensorType w, const void* a, const void* const* b, std::int64_t n, float* out) {
    __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
    for (std::int64_t i = 0; i < n; i += 16) {
        const __m512 wv = lanes<T>(w, a, i);
        for (int k = 0; k < 4; ++k) acc[k] = _mm512_fmadd_ps(wv, lanes<T>(w, b[k], i), acc[k]);
    }
    for (int k = 0; k < 4; ++k) out[k] = _mm512_reduce_add_ps(acc[k]);
}

}  // namespace

float vec_dot_avx512(TensorType w, const void* a, const void* b, std::int64_t n) {
    switch (w) {
        case TensorType::F32: return dot<float>(w, a, b, n);
        case TensorType::F16:
        case TensorType::BF16: return dot<std::uint16_t>(w, a, b, n);
        default:
            if (has_vec_dot(w) && activation_type(w) == TensorType::F32) {  // dequantize-only types
                thread_local std::vector<float> row;
                row.resize(static_cast<std::size_t>(n));
                dequantize_row(w, a, row.data(), n);
                return dot<float>(TensorType::F32, row.data(), b, n);
            }
            return vec_dot_avx2(w, a, b, n);
    }
}

void vec_dot_avx512_x4(TensorType w, const void* a, const void* const* b, std::int64_t n, float* out) {
    const bool floats = w == TensorType::F32 || w == TensorType::F16 || w == TensorType::BF16;
    if (floats && n % 16 == 0) {
        if (w == TensorType::F32) dot_x4<float>(w, a, b, n, out);
        else dot_x4<std::uint16_t>(w, a, b, n, out);
        return;
    }
    if (!floats && activation_type(w) != TensorType::F32) {
        vec_dot_avx2_x4(w, a, b, n, out);
        return;
    }
    for (int k = 0; k < 4; ++k) out[k] = vec_dot_avx512(w, a, b[k], n);
}

}  // namespace qforge
