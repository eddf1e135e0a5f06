#pragma once
// The quantized Linear layers of a GPTQ or AWQ checkpoint, read into `IntLayer`s: AutoGPTQ's qweight/qzeros/
// scales/g_idx (v1 or v2 zero points) or AutoAWQ's GEMM or GEMV tensors, as the checkpoint's quantization
// config says, each tensor's dtype and shape checked against the others before anything is unpacked.
#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor_view.h"
#include "formats/gptq/int_packing.h"
#include "formats/hf/quantization_config.h"

namespace qforge {

// The names, without the ".qweight" suffix, of the quantized layers ("model.layers.0.self_attn.q_proj").
std::vector<std::string> quantized_linear_prefixes(const TensorSource& source);

// True for the tensors a quantized layer is made of (qweight, qzeros, scales, g_idx).
bool is_quantized_linear_part(const std::string& name);

struct LinearShape {
    std::int64_t in = 0, out = 0;
};
// in_features and out_features of a quantized layer, from its qweight's shape, without unpacking anything.
LinearShape quantized_linear_shape(const TensorSource& source, const std::string& prefix, const QuantizationConfig& config,
                                   const std::string& where);

// where: the checkpoint, for messages.
IntLayer read_quantized_linear(const TensorSource& source, const std::string& prefix, const QuantizationConfig& config,
                               const std::string& where);

}  // namespace qforge
