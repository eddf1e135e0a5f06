#pragma once
// Matrix products y[t][o] = W[o] . x[t] of weights in their kernels' layouts (linear_weight.h) with a batch
// of f32 activations. The input is converted once per activation format, even when several weights read it
// (q, k and v; gate and up), and the rows of all of them are split over the thread pool in one pass.
#include <cstdint>
#include <span>
#include <deque>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/tensor_view.h"
#include "core/thread_pool.h"
#include "quant/kernels/linear_weight.h"

namespace qforge {

// Converted activations, reused from product to product. They grow to the largest product seen and then stay:
// size them once (reserve) and the hot loop allocates nothing.
class MatmulScratch {
public:
    // Room for products of up to n_tokens rows of n_in values, for every weight listed.
    void reserve(std::span<const LinearWeight* const> weights, std::int64_t n_tokens);

private:
    friend void matmul(std::span<const LinearWeight* const>, const float*, std::int64_t, std::span<float* const>, ThreadPool&,
                       MatmulScratch&);
    struct Converted {
        ActivationFormat format;
        AlignedBuffer bytes;
        std::size_t stride = 0;
    };
    Converted& converted(ActivationFormat format, std::size_t bytes);
    std::deque<Converted> converted_;  // stable addresses: a product holds several at once
};

// Every weight reads the same input: x is n_tokens rows of n_in floats (each weight's n_in must agree);
// ys[i] gets n_tokens rows of weights[i]->n_out() floats.
void matmul(std::span<const LinearWeight* const> weights, const float* x, std::int64_t n_tokens, std::span<float* const> ys,
            ThreadPool& pool, MatmulScratch& scratch);
void matmul(const LinearWeight& w, const float* x, std::int64_t n_tokens, float* y, ThreadPool& pool, MatmulScratch& scratch);

// A one-off product, with scratch of its own, for tools that multiply by matrices they build themselves (AWQ's
// searches): the weight is repacked for its kernel when the batch is large enough to pay for it.
void matmul(const TensorView& w, const float* x, std::int64_t n_tokens, float* y, ThreadPool& pool);

}  // namespace qforge
