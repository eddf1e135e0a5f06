#include "quant/kernels/vec_dot.h"

#include <cstdlib>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/float_convert.h"
#include "quant/codecs/kquants.h"
#include "quant/codecs/legacy.h"
#include "quant/codecs/codec_table.h"
#include "quant/kernels/cpu_features.h"

namespace qforge {

namespace {

bool env_set(const char* name) {
    const char* v = std::getenv(name);
    return v != nullptr && *v != '\0' && std::string_view(v) != "0";
}

enum class Isa { Scalar, Avx2, Avx512 };

Isa best_isa() {
    static const Isa isa = [] {
        if (env_set("QFORGE_NO_SIMD") || !cpu_has_avx2()) return Isa::Scalar;
        if (env_set("QFORGE_NO_AVX512") || !cpu_has_avx512()) return Isa::Avx2;
        return Isa::Avx512;
    }();
    return isa;
}

}  // namespace

bool cpu_has_avx2() {
    const CpuFeatures& f = cpu_features();
    return f.avx2 && f.fma && f.f16c;
}

bool cpu_has_avx512() { return cpu_has_avx2() && cpu_features().avx512f; }

std::string_view vec_dot_isa() {
    switch (best_isa()) {
        case Isa::Avx512: return "avx512";
        case Isa::Avx2: return "avx2";
        default: return "scalar";
    }
}

namespace {

// Types with a native kernel; the other quantized types with a codec run through dequantize_dot.
bool has_native_kernel(TensorType w) {
    switch (w) {
        case TensorType::F32: case TensorType::F16: case TensorType::BF16: case TensorType::Q8_0:
        case TensorType::Q4_0: case TensorType::Q4_1: case TensorType::Q5_0: case TensorType::Q5_1:
        case TensorType::IQ4_NL: case TensorType::Q2_K: case TensorType::Q3_K: case TensorType::Q4_K:
        case TensorType::Q5_K: case TensorType::Q6_K: case TensorType::IQ4_XS: case TensorType::IQ2_XXS:
        case TensorType::IQ2_XS: case TensorType::IQ2_S: case TensorType::IQ3_XXS: case TensorType::IQ3_S:
        case TensorType::IQ1_S: case TensorType::IQ1_M:
            return true;
        default:
            return false;
    }
}

}  // namespace

bool has_vec_dot(TensorType w) {
    return has_native_kernel(w) || (traits(w).quantized && can_dequantize(w) && w != TensorType::Q8_K);
}

TensorType activation_type(TensorType w) {
    if (!has_vec_dot(w)) fail("no matrix kernel for weight type {} yet", type_name(w));
    if (!has_native_kernel(w)) return TensorType::F32;
    switch (w) {
        case TensorType::Q4_0: case TensorType::Q5_0: case TensorType::IQ4_NL: return TensorType::Q8_0;
        case TensorType::Q4_1: case TensorType::Q5_1: return TensorType::Q8_1;
        case TensorType::Q2_K: case TensorType::Q3_K: case TensorType::Q4_K: case TensorType::Q5_K:
        case TensorType::Q6_K: case TensorType::IQ4_XS: case TensorType::IQ2_XXS: case TensorType::IQ2_XS:
        case TensorType::IQ2_S: case TensorType::IQ3_XXS: case TensorType::IQ3_S: case TensorType::IQ1_S:
        case TensorType::IQ1_M:
            return TensorType::Q8_K;
        default: return w;
    }
}

std::size_t activation_row_bytes(TensorType w, std::int64_t n) {
    return static_cast<std::size_t>(*bytes_for(activation_type(w), static_cast<std::uint64_t>(n)));
}

void prepare_activations(TensorType w, const float* x, void* out, std::int64_t n) {
    switch (activation_type(w)) {
        case TensorType::Q8_0:
            quantize_row_q8_0_activations(x, static_cast<BlockQ8_0*>(out), n);
            return;
        case TensorType::Q8_1:
            quantize_row_q8_1_activations(x, static_cast<BlockQ8_1*>(out), n);
            return;
        case TensorType::Q8_K:
            quantize_row_q8_k(x, static_cast<BlockQ8_K*>(out), n);
            return;
        default:
            convert_from_f32(activation_type(w), x, out, static_cast<std::size_t>(n));
    }
}

float vec_dot(TensorType w, const void* a, const void* b, std::int64_t n) {
    switch (best_isa()) {
        case Isa::Avx512: return vec_dot_avx512(w, a, b, n);
        case Isa::Avx2: return vec_dot_avx2(w, a, b, n);
        default: return vec_dot_scalar(w, a, b, n);
    }
}

void vec_dot_x4(TensorType w, const void* a, const void* const* b, std::int64_t n, float* out) {
    switch (best_isa()) {
        case Isa::Avx512: vec_dot_avx512_x4(w, a, b, n, out); return;
        case Isa::Avx2: vec_dot_avx2_x4(w, a, b, n, out); return;
        default:
            for (int k = 0; k < 4; ++k) out[k] = vec_dot_scalar(w, a, b[k], n);
    }
}

}  // namespace qforge
