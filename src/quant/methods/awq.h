#pragma once
// AWQ (Lin et al., 2023), activation-aware weight quantization: the input channels that carry large
// activations are scaled up in the weights (and down in whatever produces the inputs, so the float function is
// unchanged) before round-to-nearest, which protects them; then each group's clipping range is shrunk where
// that lowers the output error.
//
// The output error of a candidate is measured through the inputs' Hessian H = 2/n X^T X instead of re-running
// the inputs: for a weight difference D (rows x n), sum over rows of d H d^T is the squared output error on
// the calibration inputs, exactly, with nothing but H held. The grid is pluggable (a fake quantizer: INTn
// groups or a GGUF type's own quantizer), so AWQ serves every output format.
#include <cstdint>
#include <functional>
#include <vector>

#include "core/thread_pool.h"

namespace qforge {

// Quantizes rows x cols weights and writes what they dequantize to. importance: per-column weights for the
// types whose quantizer takes them (may be null).
using FakeQuantizer = std::function<void(const float* w, std::int64_t rows, std::int64_t cols, const float* importance, float* out)>;

// One weight of a scaling group: all share the group's input channels.
struct AwqWeight {
    float* w;  // rows x cols, row-major, modified in place by awq_scale_columns / awq_clip
    std::int64_t rows;
    FakeQuantizer quantizer;  // this weight's grid (the weights of a group may differ, as in a GGUF mix)
};

struct AwqOptions {
    int n_grid = 20;            // ratios 0, 1/n, ..., (n-1)/n
    int group_size = 128;       // columns normalized together for the weight magnitude w_mean
    int clip_grid = 20;         // shrink steps of 1/clip_grid ...
    double max_shrink = 0.5;    // ... down to this fraction of the group's range
};

struct AwqScales {
    std::vector<float> scales;  // per input channel; 1 means unscaled
    double ratio = 0;           // the chosen exponent
    double loss = 0, loss_unscaled = 0;
};

// Searches s = x_mean^r / w_mean^(1-r) (normalized by sqrt(max*min)) over r, choosing the one with the smallest
// output error of the group after fake quantization of W * s (the inputs divided by s).
// h: cols x cols Hessian of the group's inputs; x_mean: per-channel mean |x|.
AwqScales awq_search_scales(const std::vector<AwqWeight>& group, std::int64_t cols, const std::vector<double>& h,
                            const std::vector<float>& x_mean, const AwqOptions& options, ThreadPool& pool);

// W[:, j] *= s[j] for each weight of the group.
void awq_scale_columns(const AwqWeight& w, std::int64_t cols, const std::vector<float>& s);
// The Hessian of inputs divided by s: H[i][j] / (s[i] s[j]).
void awq_scale_hessian(std::vector<double>& h, std::int64_t cols, const std::vector<float>& s);

// Clips each row's groups of `group_columns` to the shrink of their range with the smallest output error
// (the group's own contribution, through H's diagonal block); returns how many groups were clipped.
std::int64_t awq_clip(const AwqWeight& w, std::int64_t cols, const std::vector<double>& h, std::int64_t group_columns,
                      const AwqOptions& options, ThreadPool& pool);

// Output error sum_r d_r H d_r^T of a weight difference (rows x cols); exposed for tests and reports.
double hessian_error(const float* a, const float* b, std::int64_t rows, std::int64_t cols, const std::vector<double>& h);

}  // namespace qforge
