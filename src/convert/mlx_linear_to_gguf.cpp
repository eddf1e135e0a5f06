#include "convert/mlx_linear_to_gguf.h"

#include <cstring>

#include "convert/quantized_linear_to_gguf.h"
#include "core/error.h"
#include "core/float_convert.h"
#include "formats/gptq/int_packing.h"
#include "quant/codecs/mlx_affine.h"

namespace qforge {

MlxWeight mlx_weight(const HfCheckpoint& ck, const TensorView& t, const MlxGrid& grid) {
    const std::string module = t.name.substr(0, t.name.size() - std::string(".weight").size());
    MlxWeight w;
    w.words = &t;
    w.grid = grid;
    w.scales = ck.find(module + ".scales");
    w.biases = ck.find(module + ".biases");
    if (w.scales == nullptr || w.biases == nullptr) fail("{}: MLX weight '{}' has no '{}.scales' and '{}.biases' beside it", ck.dir(), t.name, module, module);
    if (t.ne.size() != 2 || w.scales->ne.size() != 2 || w.biases->ne != w.scales->ne)
        fail("{}: '{}' {}, its scales {} and biases {}: expected matrices, the scales and biases of one shape", ck.dir(), t.name,
             shape_string(t.ne), shape_string(w.scales->ne), shape_string(w.biases->ne));
    if (!is_float_type(w.scales->type) || w.biases->type != w.scales->type)
        fail("{}: '{}.scales' and '.biases' must be of one float type (they are {} and {})", ck.dir(), module, type_name(w.scales->type),
             type_name(w.biases->type));
    w.rows = t.ne[1];
    w.cols = w.scales->ne[0] * grid.group_size;
    if (w.scales->ne[1] != w.rows || t.ne[0] * 32 != w.cols * grid.bits)
        fail("{}: '{}' has shape {} and its scales {}: not {}-bit groups of {} (config.json's grid for '{}')", ck.dir(), t.name,
             shape_string(t.ne), shape_string(w.scales->ne), grid.bits, grid.group_size, module);
    return w;
}

std::vector<std::uint8_t> mlx_weight_bytes(const MlxWeight& m, TensorType type, std::int64_t heads) {
    const std::size_t n = static_cast<std::size_t>(m.rows * m.cols);
    std::vector<std::int32_t> words(m.words->data.size() / sizeof(std::int32_t));  // aligned: tensors in a file need not be
    std::memcpy(words.data(), m.words->data.data(), words.size() * sizeof(std::int32_t));
    std::vector<std::uint8_t> q(n);
    unpack_lsb(words.data(), static_cast<std::int64_t>(n), m.grid.bits, q.data());
    std::vector<float> scales(static_cast<std::size_t>(m.scales->n_elements())), biases(scales.size());
    convert_to_f32(m.scales->type, m.scales->data.data(), scales.data(), scales.size());
    convert_to_f32(m.biases->type, m.biases->data.data(), biases.data(), biases.size());
    std::vector<float> w(n);
    dequantize_mlx_affine_rows(q.data(), scales.data(), biases.data(), 0, m.rows, m.cols, m.grid.group_size, m.scales->type, w.data());
    return float_rows_to_gguf(std::move(w), m.rows, m.cols, type, heads);
}

}  // namespace qforge
