#pragma once
// The imatrix variants of the legacy quantizers (llama.cpp's quantize_row_q4_0_impl and kin): each 32-weight
// block's scale (and minimum) is searched under weights importance * sqrt(sigma^2 + x^2), sigma^2 being the
// row's mean square. n is the whole row, because sigma^2 is taken over it.
#include <cstdint>

#include "quant/codecs/legacy.h"

namespace qforge {

void quantize_row_q4_0_weighted(const float* x, BlockQ4_0* y, std::int64_t n, const float* importance);
void quantize_row_q4_1_weighted(const float* x, BlockQ4_1* y, std::int64_t n, const float* importance);
void quantize_row_q5_0_weighted(const float* x, BlockQ5_0* y, std::int64_t n, const float* importance);
void quantize_row_q5_1_weighted(const float* x, BlockQ5_1* y, std::int64_t n, const float* importance);

}  // namespace qforge
