#include "formats/hf/quantized_linear.h"

#include <cstring>

#include "core/error.h"
#include "core/float_convert.h"
#include "formats/awq/awq_gemv_layout.h"
#include "formats/awq/awq_layout.h"
#include "formats/gptq/gptq_layout.h"

namespace qforge {
namespace {

constexpr const char* kParts[] = {".qweight", ".qzeros", ".scales", ".g_idx"};

const TensorView& part(const TensorSource& s, const std::string& prefix, const char* suffix, const std::string& where) {
    const TensorView* t = s.find(prefix + suffix);
    if (t == nullptr) fail("{}: quantized layer '{}' has no '{}{}'", where, prefix, prefix, suffix);
    return *t;
}

// A shape as safetensors and PyTorch write it (outer dimension first).
std::string torch_shape(const std::vector<std::int64_t>& ne) {
    std::string s = "[";
    for (auto it = ne.rbegin(); it != ne.rend(); ++it) s += (it == ne.rbegin() ? "" : ", ") + std::to_string(*it);
    return s + "]";
}

// An int32 matrix [rows, cols] (safetensors shape; ggml ne = {cols, rows}).
std::vector<std::int32_t> int_matrix(const TensorView& t, std::int64_t rows, std::int64_t cols, const std::string& where) {
    if (t.type != TensorType::I32) fail("{}: '{}' has dtype {} (expected I32)", where, t.name, type_name(t.type));
    if (t.ne.size() != 2 || t.ne[1] != rows || t.ne[0] != cols)
        fail("{}: '{}' has shape {} (expected [{}, {}])", where, t.name, torch_shape(t.ne), rows, cols);
    std::vector<std::int32_t> v(static_cast<std::size_t>(rows * cols));
    std::memcpy(v.data(), t.data.data(), v.size() * sizeof(std::int32_t));
    return v;
}

std::vector<std::uint16_t> fp16_matrix(const TensorView& t, std::int64_t rows, std::int64_t cols, const std::string& where) {
    if (!is_float_type(t.type)) fail("{}: '{}' has dtype {} (expected F16)", where, t.name, type_name(t.type));
    if (t.ne.size() != 2 || t.ne[1] != rows || t.ne[0] != cols)
        fail("{}: '{}' has shape {} (expected [{}, {}])", where, t.name, torch_shape(t.ne), rows, cols);
    std::vector<std::uint16_t> v(static_cast<std::size_t>(rows * cols));
    if (t.type == TensorType::F16) {
        std::memcpy(v.data(), t.data.data(), v.size() * sizeof(std::uint16_t));
        return v;
    }
    std::vector<float> f(v.size());  // GPTQModel may store BF16 or F32 scales: kept as fp16, as the loaders cast them
    convert_to_f32(t.type, t.data.data(), f.data(), f.size());
    for (std::size_t i = 0; i < f.size(); ++i) v[i] = fp32_to_fp16(f[i]);
    return v;
}

// The dimension of a tensor's shape (safetensors order: 0 is the outer one).
std::int64_t dim(const TensorView& t, std::size_t i, const std::string& where) {
    if (t.ne.size() != 2) fail("{}: '{}' has shape {} (expected a matrix)", where, t.name, torch_shape(t.ne));
    if (t.ne[0] < 1 || t.ne[1] < 1) fail("{}: '{}' has shape {} (an empty layer)", where, t.name, torch_shape(t.ne));
    return t.ne[1 - i];
}

IntLayer read_gptq(const TensorSource& s, const std::string& prefix, const QuantizationConfig& c, const std::string& where) {
    const TensorView& qw = part(s, prefix, ".qweight", where);
    const TensorView& sc = part(s, prefix, ".scales", where);
    GptqTensors t;
    t.bits = c.bits;
    t.out = dim(qw, 1, where);
    t.in = dim(qw, 0, where) * 32 / c.bits;
    t.group_size = c.group_size == -1 ? static_cast<int>(t.in) : c.group_size;
    const std::int64_t groups = (t.in + t.group_size - 1) / t.group_size;
    if ((t.out * c.bits) % 32 != 0) fail("{}: '{}' has {} outputs, which do not pack into int32 words at {} bits", where, qw.name, t.out, c.bits);
    t.qweight = int_matrix(qw, t.in * c.bits / 32, t.out, where);
    t.qzeros = int_matrix(part(s, prefix, ".qzeros", where), groups, t.out * c.bits / 32, where);
    t.scales = fp16_matrix(sc, groups, t.out, where);
    if (const TensorView* gi = s.find(prefix + ".g_idx")) {
        if (gi->type != TensorType::I32 || gi->ne.size() != 1 || gi->ne[0] != t.in)
            fail("{}: '{}' is {} {} (expected I32 [{}])", where, gi->name, type_name(gi->type), torch_shape(gi->ne), t.in);
        t.g_idx.resize(static_cast<std::size_t>(t.in));
        std::memcpy(t.g_idx.data(), gi->data.data(), t.g_idx.size() * sizeof(std::int32_t));
        for (std::int64_t i = 0; i < t.in; ++i)
            if (t.g_idx[static_cast<std::size_t>(i)] < 0 || t.g_idx[static_cast<std::size_t>(i)] >= groups)
                fail("{}: '{}' puts input {} in group {} (the layer has {} groups)", where, gi->name, i, t.g_idx[i], groups);
    } else {
        t.g_idx.resize(static_cast<std::size_t>(t.in));
        for (std::int64_t i = 0; i < t.in; ++i) t.g_idx[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(i / t.group_size);
    }
    try {
        return unpack_gptq(t, !c.gptq_v2);
    } catch (const Error& e) {
        fail("{}: '{}': {}", where, prefix, e.what());
    }
}

IntLayer read_awq(const TensorSource& s, const std::string& prefix, const QuantizationConfig& c, const std::string& where) {
    const TensorView& qw = part(s, prefix, ".qweight", where);
    try {
        if (c.awq_version == "gemv") {
            AwqGemvTensors t;
            t.out = dim(qw, 0, where);
            t.in = dim(qw, 1, where) * 8;
            t.group_size = c.group_size == -1 ? static_cast<int>(t.in) : c.group_size;
            const std::int64_t width = awq_gemv_zeros_width(t.in, t.group_size);
            t.qweight = int_matrix(qw, t.out, t.in / 8, where);
            t.qzeros = int_matrix(part(s, prefix, ".qzeros", where), t.out, width, where);
            t.scales = fp16_matrix(part(s, prefix, ".scales", where), t.out, width * 8, where);
            return unpack_awq_gemv(t);
        }
        AwqTensors t;
        t.in = dim(qw, 0, where);
        t.out = dim(qw, 1, where) * 8;
        t.group_size = c.group_size == -1 ? static_cast<int>(t.in) : c.group_size;
        if (t.in % t.group_size != 0) fail("{}: group size {} does not divide the {} inputs of '{}'", where, t.group_size, t.in, prefix);
        const std::int64_t groups = t.in / t.group_size;
        t.qweight = int_matrix(qw, t.in, t.out / 8, where);
        t.qzeros = int_matrix(part(s, prefix, ".qzeros", where), groups, t.out / 8, where);
        t.scales = fp16_matrix(part(s, prefix, ".scales", where), groups, t.out, where);
        return unpack_awq_gemm(t);
    } catch (const Error& e) {
        const std::string m = e.what();
        if (m.starts_with(where)) throw;
        fail("{}: '{}': {}", where, prefix, m);
    }
}

}  // namespace

std::vector<std::string> quantized_linear_prefixes(const TensorSource& source) {
    std::vector<std::string> out;
    for (const auto& t : source.tensors())
        if (t.name.ends_with(".qweight")) out.push_back(t.name.substr(0, t.name.size() - 8));
    return out;
}

bool is_quantized_linear_part(const std::string& name) {
    for (const char* p : kParts)
        if (name.ends_with(p)) return true;
    return false;
}

LinearShape quantized_linear_shape(const TensorSource& s, const std::string& prefix, const QuantizationConfig& c,
                                   const std::string& where) {
    const TensorView& qw = part(s, prefix, ".qweight", where);
    if (c.method == QuantMethod::Gptq) return {dim(qw, 0, where) * 32 / c.bits, dim(qw, 1, where)};
    if (c.awq_version == "gemv") return {dim(qw, 1, where) * 8, dim(qw, 0, where)};
    return {dim(qw, 0, where), dim(qw, 1, where) * 8};
}

IntLayer read_quantized_linear(const TensorSource& source, const std::string& prefix, const QuantizationConfig& config,
                               const std::string& where) {
    return config.method == QuantMethod::Gptq ? read_gptq(source, prefix, config, where) : read_awq(source, prefix, config, where);
}

}  // namespace qforge
