#pragma once
// The hook calibration (imatrix, GPTQ Hessians, AWQ scales) collects statistics through: it sees the input of
// every matrix multiplication of the forward pass before it runs, n_rows rows of weight.ne[0] floats. A 2-D
// weight is seen once per product with expert -1. The experts' stacked matrices (weight.ne[2] experts) are
// seen once per expert, experts 0, 1, ... in order, with the rows routed to that expert (none for an expert no
// token chose) in llama.cpp's order: by the token's choice rank, then by token.
#include <cstdint>
#include <functional>

#include "core/tensor_view.h"

namespace qforge {

using MatmulObserver = std::function<void(const TensorView& weight, std::int64_t expert, const float* x, std::int64_t n_rows)>;

}  // namespace qforge
