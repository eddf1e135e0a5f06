#pragma once
// What rounding a weight to a type costs its layer's output, through the diagonal of the inputs' Hessian:
// sum over rows r and columns c of h_c (w_rc - q_rc)^2, with h_c the mean squared input of column c (an
// importance matrix's entry) and q the weight quantized to the type and read back. It is the expected squared
// error of the layer's outputs on inputs with those second moments (cross terms left out), the measure
// llama.cpp's imatrix quantizers minimise row by row.
#include <cstdint>
#include <vector>

#include "core/tensor_type.h"
#include "core/thread_pool.h"

namespace qforge {

struct QuantizationError {
    double error = 0.0;   // sum of h_c (w_rc - q_rc)^2
    double signal = 0.0;  // sum of h_c w_rc^2: the same weighting of the weight itself
    double relative() const { return signal > 0 ? error / signal : 0.0; }
};

// w: rows x cols floats (cols a multiple of the type's block size). importance: cols weights used both by the
// quantizer (as llama-quantize passes an imatrix) and for the error; null: the reference quantizer and h_c = 1.
// quantized: when given, gets the quantized rows (the tensor's bytes in the type).
QuantizationError quantization_error(TensorType type, const float* w, std::int64_t rows, std::int64_t cols,
                                     const float* importance, ThreadPool& pool, std::vector<std::uint8_t>* quantized = nullptr);

}  // namespace qforge
