#include "convert/fp8_linear_to_gguf.h"

#include "convert/quantized_linear_to_gguf.h"
#include "core/error.h"
#include "core/float_convert.h"
#include "quant/codecs/fp8.h"

namespace qforge {

bool is_fp8_scale_tensor(const std::string& name) {
    return name.ends_with(".weight_scale") || name.ends_with(".weight_scale_inv") || name.ends_with(".input_scale");
}

Fp8Weight fp8_weight(const HfCheckpoint& ck, const TensorView& t, const Fp8Config& fp8) {
    if (t.ne.size() != 2) fail("{}: FP8 tensor '{}' has shape {} (expected a matrix)", ck.dir(), t.name, shape_string(t.ne));
    Fp8Weight w;
    w.q = &t;
    w.scale = ck.find(t.name + "_scale");
    if (w.scale == nullptr) w.scale = ck.find(t.name + "_scale_inv");
    if (w.scale == nullptr) fail("{}: FP8 tensor '{}' has no '{}_scale' or '{}_scale_inv' beside it", ck.dir(), t.name, t.name, t.name);
    const TensorView& scale = *w.scale;
    if (!is_float_type(scale.type)) fail("{}: '{}' has dtype {} (expected a float scale)", ck.dir(), scale.name, type_name(scale.type));
    const std::int64_t rows = t.ne[1], cols = t.ne[0];
    const auto n = static_cast<std::size_t>(scale.n_elements());
    w.span_cols = cols;
    if (n == 1) {
        w.span_rows = rows;
    } else if (n == static_cast<std::size_t>(rows) && (scale.ne.size() == 1 || scale.ne[0] == 1)) {
        w.span_rows = 1;
    } else if (scale.ne.size() == 2 && n == fp8_scale_count(rows, cols, fp8.block_rows, fp8.block_cols)) {
        w.span_rows = fp8.block_rows;
        w.span_cols = fp8.block_cols;
    } else {
        fail("{}: '{}' has shape {}: not one scale, one per row of '{}' ({} rows) nor one per {}x{} block", ck.dir(), scale.name,
             shape_string(scale.ne), t.name, rows, fp8.block_rows, fp8.block_cols);
    }
    return w;
}

std::vector<std::uint8_t> fp8_weight_bytes(const Fp8Weight& f, TensorType type, std::int64_t heads) {
    const std::int64_t rows = f.q->ne[1], cols = f.q->ne[0];
    std::vector<float> scales(static_cast<std::size_t>(f.scale->n_elements()));
    convert_to_f32(f.scale->type, f.scale->data.data(), scales.data(), scales.size());
    std::vector<float> w(static_cast<std::size_t>(rows * cols));
    dequantize_fp8_rows(f.q->data.data(), scales.data(), 0, rows, cols, f.span_rows, f.span_cols, w.data());
    return float_rows_to_gguf(std::move(w), rows, cols, type, heads);
}

}  // namespace qforge
