#include "quant/kernels/vec_dot.h"

#include "core/error.h"
#include "core/float_convert.h"
#include "quant/codecs/kquants.h"
#include "quant/codecs/legacy.h"
#include "quant/kernels/cpu_features.h"

namespace qforge {

bool cpu_has_avx2() {
    const CpuFeatures& f = cpu_features();
    return f.avx2 && f.fma && f.f16c;
}

bool has_vec_dot(TensorType w) {
    switch (w) {
        case TensorType::F32: case TensorType::F16: case TensorType::BF16: case TensorType::Q8_0:
        case TensorType::Q4_0: case TensorType::Q4_1: case TensorType::Q5_0: case TensorType::Q5_1:
        case TensorType::IQ4_NL: case TensorType::Q2_K: case TensorType::Q3_K: case TensorType::Q4_K:
        case TensorType::Q5_K: case TensorType::Q6_K: case TensorType::IQ4_XS:
            return true;
        default:
            return false;
    }
}

TensorType activation_type(TensorType w) {
    if (!has_vec_dot(w)) fail("no matrix kernel for weight type {} yet", type_name(w));
    switch (w) {
        case TensorType::Q4_0: case TensorType::Q5_0: case TensorType::IQ4_NL: return TensorType::Q8_0;
        case TensorType::Q4_1: case TensorType::Q5_1: return TensorType::Q8_1;
        case TensorType::Q2_K: case TensorType::Q3_K: case TensorType::Q4_K: case TensorType::Q5_K:
        case TensorType::Q6_K: case TensorType::IQ4_XS: return TensorType::Q8_K;
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
    return cpu_has_avx2() ? vec_dot_avx2(w, a, b, n) : vec_dot_scalar(w, a, b, n);
}

void vec_dot_x4(TensorType w, const void* a, const void* const* b, std::int64_t n, float* out) {
    if (cpu_has_avx2()) {
        vec_dot_avx2_x4(w, a, b, n, out);
        return;
    }
    for (int k = 0; k < 4; ++k) out[k] = vec_dot_scalar(w, a, b[k], n);
}

}  // namespace qforge
