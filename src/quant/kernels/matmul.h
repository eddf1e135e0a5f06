#pragma once
// Matrix products of a weight matrix (used in place, in its stored type) with a batch of f32 activations:
// y[t][o] = W[o] . x[t]. Rows of W are split over the thread pool.
#include <cstdint>

#include "core/tensor_view.h"
#include "core/thread_pool.h"

namespace qforge {

// w: ne = {n_in, n_out}; x: n_tokens rows of n_in floats; y: n_tokens rows of n_out floats.
void matmul(const TensorView& w, const float* x, std::int64_t n_tokens, float* y, ThreadPool& pool);

}  // namespace qforge
