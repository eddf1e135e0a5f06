#include "quant/codecs/codec_table.h"

#include <algorithm>
#include <array>

#include "core/error.h"
#include "core/float_convert.h"
#include "quant/codecs/iq4.h"
#include "quant/codecs/iq_dequant.h"
#include "quant/codecs/iq_quant.h"
#include "quant/codecs/kquants.h"
#include "quant/codecs/legacy.h"
#include "quant/codecs/legacy_weighted.h"
#include "quant/codecs/ternary.h"

namespace qforge {
namespace {

struct Codec {
    TensorType type;
    // importance: per-column weights (n of them) or null; types without an imatrix search ignore it, as
    // llama.cpp's do (Q8_0 and the float types).
    void (*quantize)(const float*, void*, std::int64_t, const float* importance);
    void (*dequantize)(const void*, float*, std::int64_t);
};

template <typename Block, void (*Q)(const float*, Block*, std::int64_t)>
void q(const float* x, void* out, std::int64_t n, const float*) { Q(x, static_cast<Block*>(out), n); }
// Types whose quantizer takes the importance itself.
template <typename Block, void (*Q)(const float*, Block*, std::int64_t, const float*)>
void qi(const float* x, void* out, std::int64_t n, const float* importance) { Q(x, static_cast<Block*>(out), n, importance); }
// Legacy types: the reference quantizer, or the weighted search when there is an imatrix.
template <typename Block, void (*Q)(const float*, Block*, std::int64_t),
          void (*W)(const float*, Block*, std::int64_t, const float*)>
void ql(const float* x, void* out, std::int64_t n, const float* importance) {
    if (importance != nullptr) W(x, static_cast<Block*>(out), n, importance);
    else Q(x, static_cast<Block*>(out), n);
}
template <typename Block, void (*D)(const Block*, float*, std::int64_t)>
void dq(const void* in, float* y, std::int64_t n) { D(static_cast<const Block*>(in), y, n); }

template <TensorType T>
void float_q(const float* x, void* out, std::int64_t n, const float*) { convert_from_f32(T, x, out, static_cast<std::size_t>(n)); }
template <TensorType T>
void float_dq(const void* in, float* y, std::int64_t n) { convert_to_f32(T, in, y, static_cast<std::size_t>(n)); }

const std::array kCodecs = {
    Codec{TensorType::F32, float_q<TensorType::F32>, float_dq<TensorType::F32>},
    Codec{TensorType::F16, float_q<TensorType::F16>, float_dq<TensorType::F16>},
    Codec{TensorType::BF16, float_q<TensorType::BF16>, float_dq<TensorType::BF16>},
    Codec{TensorType::Q4_0, ql<BlockQ4_0, quantize_row_q4_0, quantize_row_q4_0_weighted>, dq<BlockQ4_0, dequantize_row_q4_0>},
    Codec{TensorType::Q4_1, ql<BlockQ4_1, quantize_row_q4_1, quantize_row_q4_1_weighted>, dq<BlockQ4_1, dequantize_row_q4_1>},
    Codec{TensorType::Q5_0, ql<BlockQ5_0, quantize_row_q5_0, quantize_row_q5_0_weighted>, dq<BlockQ5_0, dequantize_row_q5_0>},
    Codec{TensorType::Q5_1, ql<BlockQ5_1, quantize_row_q5_1, quantize_row_q5_1_weighted>, dq<BlockQ5_1, dequantize_row_q5_1>},
    Codec{TensorType::Q8_0, q<BlockQ8_0, quantize_row_q8_0>, dq<BlockQ8_0, dequantize_row_q8_0>},
    Codec{TensorType::Q2_K, qi<BlockQ2_K, quantize_row_q2_k>, dq<BlockQ2_K, dequantize_row_q2_k>},
    Codec{TensorType::Q3_K, qi<BlockQ3_K, quantize_row_q3_k>, dq<BlockQ3_K, dequantize_row_q3_k>},
    Codec{TensorType::Q4_K, qi<BlockQ4_K, quantize_row_q4_k>, dq<BlockQ4_K, dequantize_row_q4_k>},
    Codec{TensorType::Q5_K, qi<BlockQ5_K, quantize_row_q5_k>, dq<BlockQ5_K, dequantize_row_q5_k>},
    Codec{TensorType::Q6_K, qi<BlockQ6_K, quantize_row_q6_k>, dq<BlockQ6_K, dequantize_row_q6_k>},
    Codec{TensorType::Q8_K, q<BlockQ8_K, quantize_row_q8_k>, dq<BlockQ8_K, dequantize_row_q8_k>},
    Codec{TensorType::TQ1_0, q<BlockTQ1_0, quantize_row_tq1_0>, dq<BlockTQ1_0, dequantize_row_tq1_0>},
    Codec{TensorType::TQ2_0, q<BlockTQ2_0, quantize_row_tq2_0>, dq<BlockTQ2_0, dequantize_row_tq2_0>},
    Codec{TensorType::IQ2_XXS, qi<BlockIQ2_XXS, quantize_row_iq2_xxs>, dq<BlockIQ2_XXS, dequantize_row_iq2_xxs>},
    Codec{TensorType::IQ2_XS, qi<BlockIQ2_XS, quantize_row_iq2_xs>, dq<BlockIQ2_XS, dequantize_row_iq2_xs>},
    Codec{TensorType::IQ2_S, qi<BlockIQ2_S, quantize_row_iq2_s>, dq<BlockIQ2_S, dequantize_row_iq2_s>},
    Codec{TensorType::IQ3_XXS, qi<BlockIQ3_XXS, quantize_row_iq3_xxs>, dq<BlockIQ3_XXS, dequantize_row_iq3_xxs>},
    Codec{TensorType::IQ3_S, qi<BlockIQ3_S, quantize_row_iq3_s>, dq<BlockIQ3_S, dequantize_row_iq3_s>},
    Codec{TensorType::IQ1_S, qi<BlockIQ1_S, quantize_row_iq1_s>, dq<BlockIQ1_S, dequantize_row_iq1_s>},
    Codec{TensorType::IQ1_M, qi<BlockIQ1_M, quantize_row_iq1_m>, dq<BlockIQ1_M, dequantize_row_iq1_m>},
    Codec{TensorType::IQ4_NL, qi<BlockIQ4_NL, quantize_row_iq4_nl>, dq<BlockIQ4_NL, dequantize_row_iq4_nl>},
    Codec{TensorType::IQ4_XS, qi<BlockIQ4_XS, quantize_row_iq4_xs>, dq<BlockIQ4_XS, dequantize_row_iq4_xs>},
};

const Codec* find_codec(TensorType t) {
    for (const auto& c : kCodecs)
        if (c.type == t) return &c;
    return nullptr;
}

bool extra_float(TensorType t) { return t == TensorType::F64 || t == TensorType::F8_E4M3 || t == TensorType::F8_E5M2; }

}  // namespace

bool can_quantize(TensorType t) {
    const Codec* c = find_codec(t);
    return c != nullptr && c->quantize != nullptr;
}

bool can_dequantize(TensorType t) { return find_codec(t) != nullptr || extra_float(t); }

void quantize_row(TensorType t, const float* x, void* out, std::int64_t n, const float* importance) {
    if (!can_quantize(t)) fail("qforge cannot write tensor type {} (it reads it)", type_name(t));
    find_codec(t)->quantize(x, out, n, importance);
}

void dequantize_row(TensorType t, const void* in, float* y, std::int64_t n) {
    if (extra_float(t)) {
        convert_to_f32(t, in, y, static_cast<std::size_t>(n));
        return;
    }
    const Codec* c = find_codec(t);
    if (c == nullptr) fail("no codec for tensor type {}", type_name(t));
    c->dequantize(in, y, n);
}

std::vector<float> dequantize_tensor(const TensorView& t) {
    const std::int64_t rows = t.n_rows(), cols = t.ne.empty() ? 1 : t.ne[0];
    const std::size_t row_bytes = t.data.size() / static_cast<std::size_t>(std::max<std::int64_t>(rows, 1));
    std::vector<float> out(static_cast<std::size_t>(rows * cols));
    for (std::int64_t r = 0; r < rows; ++r)
        dequantize_row(t.type, t.data.data() + static_cast<std::size_t>(r) * row_bytes, out.data() + r * cols, cols);
    return out;
}

}  // namespace qforge
