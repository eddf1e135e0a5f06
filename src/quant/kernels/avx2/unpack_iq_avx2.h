#pragma once
// AVX2 unpacking and dot products of the codebook types' super-blocks into super_block.h's integer form: the same q values as
// the scalar unpack_iq_super_block (tests hold the dot products to each other bit for bit), gathered four grid
// entries to a vector with the sign bytes expanded to byte masks. Compiled with AVX2; call only where the CPU
// has it.
#include <cstdint>

#include "core/tensor_type.h"
#include "quant/kernels/gemm.h"
#include "quant/kernels/super_block.h"

namespace qforge {

// Fills out.q for weight types IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S, IQ1_S, IQ1_M (not the scales).
void unpack_iq_quants_avx2(TensorType weight, const void* row, std::int64_t i, SuperBlock& out);
// Dot products of a row of those types with Q8_K activation rows, the values built in registers and summed
// without the SuperBlock round trip: the same integers and final float expression as the scalar reference.
float vec_dot_iq_avx2(TensorType weight, const void* row, const void* act, std::int64_t n);
void vec_dot_iq_avx2_x4(TensorType weight, const void* row, const void* const* act, std::int64_t n, float* out);
// The rows kernel of IQ2_XS weights (gemm_table's row "iq2_xs rows (avx2)"): the same results as the generic
// rows kernel, with its per-row dispatch taken out.
void gemm_rows_iq2_xs_avx2(const GemmTask& task);

}  // namespace qforge
