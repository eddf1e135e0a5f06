#include "quant/codecs/codec_table.h"

#include <array>

#include "core/error.h"
#include "core/float_convert.h"
#include "quant/codecs/iq4.h"
#include "quant/codecs/legacy.h"

namespace qforge {
namespace {

struct Codec {
    TensorType type;
    void (*quantize)(const float*, void*, std::int64_t);
    void (*dequantize)(const void*, float*, std::int64_t);
};

template <typename Block, void (*Q)(const float*, Block*, std::int64_t)>
void q(const float* x, void* out, std::int64_t n) { Q(x, static_cast<Block*>(out), n); }
template <typename Block, void (*D)(const Block*, float*, std::int64_t)>
void dq(const void* in, float* y, std::int64_t n) { D(static_cast<const Block*>(in), y, n); }

void iq4_nl_q(const float* x, void* out, std::int64_t n) { quantize_row_iq4_nl(x, static_cast<BlockIQ4_NL*>(out), n); }
void iq4_xs_q(const float* x, void* out, std::int64_t n) { quantize_row_iq4_xs(x, static_cast<BlockIQ4_XS*>(out), n); }

template <TensorType T>
void float_q(const float* x, void* out, std::int64_t n) { convert_from_f32(T, x, out, static_cast<std::size_t>(n)); }
template <TensorType T>
void float_dq(const void* in, float* y, std::int64_t n) { convert_to_f32(T, in, y, static_cast<std::size_t>(n)); }

const std::array kCodecs = {
    Codec{TensorType::F32, float_q<TensorType::F32>, float_dq<TensorType::F32>},
    Codec{TensorType::F16, float_q<TensorType::F16>, float_dq<TensorType::F16>},
    Codec{TensorType::BF16, float_q<TensorType::BF16>, float_dq<TensorType::BF16>},
    Codec{TensorType::Q4_0, q<BlockQ4_0, quantize_row_q4_0>, dq<BlockQ4_0, dequantize_row_q4_0>},
    Codec{TensorType::Q4_1, q<BlockQ4_1, quantize_row_q4_1>, dq<BlockQ4_1, dequantize_row_q4_1>},
    Codec{TensorType::Q5_0, q<BlockQ5_0, quantize_row_q5_0>, dq<BlockQ5_0, dequantize_row_q5_0>},
    Codec{TensorType::Q5_1, q<BlockQ5_1, quantize_row_q5_1>, dq<BlockQ5_1, dequantize_row_q5_1>},
    Codec{TensorType::Q8_0, q<BlockQ8_0, quantize_row_q8_0>, dq<BlockQ8_0, dequantize_row_q8_0>},
    Codec{TensorType::IQ4_NL, iq4_nl_q, dq<BlockIQ4_NL, dequantize_row_iq4_nl>},
    Codec{TensorType::IQ4_XS, iq4_xs_q, dq<BlockIQ4_XS, dequantize_row_iq4_xs>},
};

const Codec& codec(TensorType t) {
    for (const auto& c : kCodecs)
        if (c.type == t) return c;
    fail("no codec for tensor type {} yet", type_name(t));
}

}  // namespace

bool has_codec(TensorType t) {
    for (const auto& c : kCodecs)
        if (c.type == t) return true;
    return t == TensorType::F64 || t == TensorType::F8_E4M3 || t == TensorType::F8_E5M2;
}

void quantize_row(TensorType t, const float* x, void* out, std::int64_t n) { codec(t).quantize(x, out, n); }

void dequantize_row(TensorType t, const void* in, float* y, std::int64_t n) {
    if (t == TensorType::F64 || t == TensorType::F8_E4M3 || t == TensorType::F8_E5M2) {
        convert_to_f32(t, in, y, static_cast<std::size_t>(n));
        return;
    }
    codec(t).dequantize(in, y, n);
}

}  // namespace qforge
