#pragma once
// Quantizers for ggml's codebook types, llama.cpp's searches operation for operation so files come out
// byte-identical to llama-quantize's: signs are split off, the magnitudes of a group are rounded to lattice
// levels over a range of trial scales, levels off the codebook move to the best of their nearest codebook
// points (iq_lattice), and the sub-block scales are stored in 3 or 4 bits under one fp16 scale.
//
// importance: one weight per element of the row (the imatrix); n is a multiple of 256. IQ2_XXS, IQ2_XS and
// IQ1_S cannot run without it (llama.cpp asserts; qforge fails with an error); the others fall back to x^2
// weights as llama.cpp does.
#include <cstdint>

#include "quant/codecs/iq_dequant.h"

namespace qforge {

void quantize_row_iq2_xxs(const float* x, BlockIQ2_XXS* y, std::int64_t n, const float* importance);
void quantize_row_iq2_xs(const float* x, BlockIQ2_XS* y, std::int64_t n, const float* importance);
void quantize_row_iq2_s(const float* x, BlockIQ2_S* y, std::int64_t n, const float* importance);
void quantize_row_iq3_xxs(const float* x, BlockIQ3_XXS* y, std::int64_t n, const float* importance);
void quantize_row_iq3_s(const float* x, BlockIQ3_S* y, std::int64_t n, const float* importance);
void quantize_row_iq1_s(const float* x, BlockIQ1_S* y, std::int64_t n, const float* importance);
void quantize_row_iq1_m(const float* x, BlockIQ1_M* y, std::int64_t n, const float* importance);

}  // namespace qforge
