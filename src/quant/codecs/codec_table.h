#pragma once
// One row per tensor type, as in ggml's type traits: how to quantize a row of floats into it and how to
// dequantize it back. Float types are rows too, so a pipeline can go from any type to any other.
#include <cstdint>

#include <vector>

#include "core/tensor_type.h"
#include "core/tensor_view.h"

namespace qforge {

// Types that can be written (quantized to) and read (dequantized from): every GGUF block type llama-quantize
// writes, with its bytes.
bool can_quantize(TensorType type);
bool can_dequantize(TensorType type);
// n is a multiple of the type's block size. importance: n per-column weights from an importance matrix, used
// by the types whose llama.cpp quantizer has an imatrix search; null for the reference quantizer. With
// importance, x must be one whole row (some searches take statistics over the row).
void quantize_row(TensorType type, const float* x, void* out, std::int64_t n, const float* importance = nullptr);
void dequantize_row(TensorType type, const void* in, float* y, std::int64_t n);
// A whole tensor's values in float, row after row.
std::vector<float> dequantize_tensor(const TensorView& t);

}  // namespace qforge
