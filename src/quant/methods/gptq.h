#pragma once
// GPTQ (Frantar et al., 2022) for one linear layer: columns are quantized one at a time and each one's
// rounding error is pushed onto the columns not yet quantized, weighted by the inverse Hessian of the layer's
// inputs (H = 2 X^T X / n), so the layer's output on calibration inputs moves as little as possible. Lazy block
// updates (128 columns), dead columns, damping, groups with per-row scale and zero point, act-order (columns by
// decreasing Hessian diagonal) and static groups, symmetric or asymmetric INT2..INT8.
//
// This is the solver for one weight; calibration (convert/sequential_calibration) feeds it Hessians. The
// factorisations are LAPACK in double (O(columns^3), multithreaded by OpenBLAS); the sweep works in float, as
// GPTQ's reference does: each lazy block's columns row by row (rows in parallel), then everything after the
// block in one matrix product.
#include <cstdint>
#include <optional>
#include <vector>

#include "core/tensor_type.h"
#include "core/thread_pool.h"

namespace qforge {

// Accumulates H = 2/n * sum over input rows x of x^T x, as GPTQ's add_batch does (a running mean over rows).
class HessianAccumulator {
public:
    explicit HessianAccumulator(std::int64_t columns);
    // rows x columns, row-major. With a pool, rows are gathered until about a thousand are waiting, and X^T X
    // of them is one symmetric rank-k update in float on OpenBLAS, added to the double sum; without, the
    // double-precision reference the fast path is tested against.
    void add(const float* x, std::int64_t rows, ThreadPool* pool = nullptr);
    std::int64_t columns() const { return n_; }
    std::int64_t samples() const { return samples_ + pending_rows_; }
    const std::vector<double>& matrix() const;  // columns x columns, row-major (adds the waiting rows first)
    std::vector<double> take();                 // the matrix, moved out (the accumulator is spent)

private:
    void flush() const;
    std::int64_t n_;
    mutable std::int64_t samples_ = 0, pending_rows_ = 0;
    mutable std::vector<double> h_;
    mutable std::vector<float> pending_, gram_;  // the fast path's waiting rows and their X^T X
};

struct GptqOptions {
    // The grid columns are rounded onto: plain INTn with a scale and zero point per group (nullopt), or a GGUF
    // block type (BlockGrid) whose blocks are the groups, their scales fixed when the sweep reaches a block's
    // first column, so the result is standard blocks.
    std::optional<TensorType> gguf_type;
    int bits = 4;
    int group_size = 128;  // INTn: columns per group; -1: one group per row
    bool symmetric = false;
    bool act_order = false;
    bool static_groups = false;  // with act_order: group parameters from the unpermuted, unupdated weights
    // Smallest zero point of an asymmetric group: AutoGPTQ's v1 layout stores zero - 1, so 0 cannot be written
    // there; 1 puts groups whose weights are all >= 0 on levels 1..maxq instead.
    int min_zero = 0;
    double damp = 0.01;          // fraction of the mean Hessian diagonal added to it
    int block_size = 128;
    // GGUF grids: per-column importance for the block scale search (e.g. an imatrix entry); null: the Hessian's
    // diagonal, which is the same statistic from the calibration inputs.
    const float* importance = nullptr;
    // Threads for the sweep (rows are independent); null: the calling thread. The lazy updates are matrix
    // products on OpenBLAS, which has threads of its own.
    ThreadPool* pool = nullptr;
};

struct GptqResult {
    std::vector<float> dequantized;  // rows x columns, what the quantized layer computes with
    std::vector<std::uint8_t> q;     // rows x columns integer levels in [0, 2^bits)
    std::vector<float> scales;       // rows x groups (values of fp16)
    std::vector<float> zeros;        // rows x groups (integer zero points, as floats)
    std::vector<std::int32_t> g_idx; // group of each input column (act-order makes it non-monotonic)
    std::vector<std::uint8_t> blocks; // GGUF grids: the rows as standard blocks (q, scales, zeros stay empty)
};

// What GPTQ needs of a Hessian, computed once for every weight that reads the same inputs (q, k and v;
// gate and up): the dead columns, the diagonal, act-order's permutation and the upper Cholesky factor U of
// the damped, permuted H^-1.
struct GptqFactor {
    std::int64_t columns = 0;
    bool act_order = false;
    double damp = 0;
    std::vector<char> dead;
    std::vector<float> diagonal;
    std::vector<std::int64_t> perm;
    std::vector<float> u;  // columns x columns, row-major
};
GptqFactor gptq_factor(const std::vector<double>& h, std::int64_t columns, const GptqOptions& options);

// w: rows (outputs) x columns (inputs), row-major. h: the columns x columns Hessian.
GptqResult gptq_quantize(const float* w, std::int64_t rows, std::int64_t columns, const std::vector<double>& h,
                         const GptqOptions& options);
GptqResult gptq_quantize(const float* w, std::int64_t rows, std::int64_t columns, const GptqFactor& factor,
                         const GptqOptions& options);

// Round-to-nearest on the same grid (the baseline GPTQ improves on); for GGUF types, the type's own quantizer.
GptqResult rtn_quantize(const float* w, std::int64_t rows, std::int64_t columns, const GptqOptions& options);

}  // namespace qforge
