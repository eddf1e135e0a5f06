#pragma once
// IQ2_XS weights against Q8_K activations with AVX-512 BW/VL and VNNI: two sub-blocks (64 weights) per
// register, the weights' sign bits applied to the activations as a 64-bit mask, the sub-block scales folded by
// vpdpwssd. The integer sums per super-block are the scalar reference's, and each super-block ends in its float
// expression, in block order: the reference's bits. gemm_table lists it where the CPU runs AVX-512 VNNI.
#include "quant/kernels/gemm.h"

namespace qforge {

void gemm_rows_iq2_xs_avx512(const GemmTask& task);

}  // namespace qforge
