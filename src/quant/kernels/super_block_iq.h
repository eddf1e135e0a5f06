#pragma once
// The codebook types in super_block.h's integer form: each weight is d * scale[e/16] * q[e] with q the signed
// grid value (IQ1: 8 * grid value +- 1, the delta in eighths), scale the odd sub-block multiplier 2s + 1 and the
// constant factors of ggml's dequantizers folded into d (exact: powers of two).
#include <cstdint>

#include "core/tensor_type.h"
#include "quant/kernels/super_block.h"

namespace qforge {

bool is_iq_super_block_type(TensorType weight);
void unpack_iq_super_block(TensorType weight, const void* row, std::int64_t i, SuperBlock& out);
void unpack_iq_super_block_scales(TensorType weight, const void* row, std::int64_t i, SuperBlock& out);

}  // namespace qforge
