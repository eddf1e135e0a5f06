#include "quant/methods/awq.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"
#include "quant/kernels/matmul.h"

namespace qforge {
namespace {

// A float copy of a Hessian (or of a diagonal block of it) as an F32 weight, so that D H for a batch of
// difference rows D is one matrix product on the SIMD kernels and the thread pool.
class HessianOperator {
public:
    HessianOperator(const std::vector<double>& h, std::int64_t n, std::int64_t first, std::int64_t count) : n_(count) {
        values_.resize(static_cast<std::size_t>(count * count));
        for (std::int64_t i = 0; i < count; ++i)
            for (std::int64_t j = 0; j < count; ++j)
                values_[static_cast<std::size_t>(i * count + j)] = static_cast<float>(h[static_cast<std::size_t>((first + i) * n + first + j)]);
        view_ = TensorView{"hessian", TensorType::F32, {count, count},
                           {reinterpret_cast<const std::uint8_t*>(values_.data()), values_.size() * sizeof(float)}};
    }
    // Per row r of the difference rows x n: d_r H d_r^T.
    std::vector<double> row_errors(const std::vector<float>& d, std::int64_t rows, ThreadPool& pool) const {
        std::vector<float> e(d.size());
        matmul(view_, d.data(), rows, e.data(), pool);
        std::vector<double> out(static_cast<std::size_t>(rows), 0.0);
        for (std::int64_t r = 0; r < rows; ++r) {
            double s = 0;
            for (std::int64_t c = 0; c < n_; ++c) s += static_cast<double>(d[static_cast<std::size_t>(r * n_ + c)]) * e[static_cast<std::size_t>(r * n_ + c)];
            out[static_cast<std::size_t>(r)] = s;
        }
        return out;
    }

private:
    std::int64_t n_;
    std::vector<float> values_;
    TensorView view_;
};

// Per input channel, the mean over rows of |w| / max|w| within its group of columns (AutoAWQ's w_mean).
std::vector<float> weight_magnitude(const std::vector<AwqWeight>& group, std::int64_t cols, int group_size) {
    const std::int64_t gs = group_size > 0 && cols % group_size == 0 ? group_size : cols;
    std::vector<double> sum(static_cast<std::size_t>(cols), 0.0);
    std::int64_t rows = 0;
    for (const AwqWeight& g : group) {
        for (std::int64_t r = 0; r < g.rows; ++r) {
            const float* row = g.w + r * cols;
            for (std::int64_t b = 0; b < cols; b += gs) {
                float amax = 0;
                for (std::int64_t c = b; c < b + gs; ++c) amax = std::max(amax, std::fabs(row[c]));
                for (std::int64_t c = b; c < b + gs; ++c) sum[static_cast<std::size_t>(c)] += std::fabs(row[c]) / (amax + 1e-6f);
            }
        }
        rows += g.rows;
    }
    std::vector<float> mean(static_cast<std::size_t>(cols));
    for (std::int64_t c = 0; c < cols; ++c) mean[static_cast<std::size_t>(c)] = static_cast<float>(sum[static_cast<std::size_t>(c)] / static_cast<double>(rows));
    return mean;
}

std::vector<float> hessian_diagonal(const std::vector<double>& h, std::int64_t cols) {
    std::vector<float> d(static_cast<std::size_t>(cols));
    for (std::int64_t i = 0; i < cols; ++i) d[static_cast<std::size_t>(i)] = static_cast<float>(h[static_cast<std::size_t>(i * cols + i)]);
    return d;
}

// The group's output error with its weights scaled by s (inputs by 1/s) and fake-quantized: the effective
// weight is Q(W diag s) diag(1/s).
double scaled_error(const std::vector<AwqWeight>& group, std::int64_t cols, const std::vector<double>& h,
                    const std::vector<float>& s, ThreadPool& pool) {
    std::vector<double> hs(h);
    awq_scale_hessian(hs, cols, s);
    const std::vector<float> importance = hessian_diagonal(hs, cols);
    const HessianOperator op(hs, cols, 0, cols);
    double loss = 0;
    for (const AwqWeight& g : group) {
        std::vector<float> scaled(g.w, g.w + g.rows * cols), q(scaled.size());
        for (std::int64_t r = 0; r < g.rows; ++r)
            for (std::int64_t c = 0; c < cols; ++c) scaled[static_cast<std::size_t>(r * cols + c)] *= s[static_cast<std::size_t>(c)];
        g.quantizer(scaled.data(), g.rows, cols, importance.data(), q.data());
        // compare in the scaled space, whose inputs have Hessian hs: (W s - Q(W s)) (x / s) = (W - Q(W s)/s) x
        for (std::size_t i = 0; i < q.size(); ++i) q[i] = scaled[i] - q[i];
        for (double e : op.row_errors(q, g.rows, pool)) loss += e;
    }
    return loss;
}

}  // namespace

double hessian_error(const float* a, const float* b, std::int64_t rows, std::int64_t cols, const std::vector<double>& h) {
    double total = 0;
    std::vector<double> d(static_cast<std::size_t>(cols));
    for (std::int64_t r = 0; r < rows; ++r) {
        for (std::int64_t c = 0; c < cols; ++c)
            d[static_cast<std::size_t>(c)] = static_cast<double>(a[r * cols + c]) - static_cast<double>(b[r * cols + c]);
        for (std::int64_t i = 0; i < cols; ++i) {
            const double di = d[static_cast<std::size_t>(i)];
            if (di == 0) continue;
            const double* hi = h.data() + i * cols;
            double s = 0;
            for (std::int64_t j = 0; j < cols; ++j) s += hi[j] * d[static_cast<std::size_t>(j)];
            total += di * s;
        }
    }
    return total;
}

void awq_scale_columns(const AwqWeight& w, std::int64_t cols, const std::vector<float>& s) {
    for (std::int64_t r = 0; r < w.rows; ++r)
        for (std::int64_t c = 0; c < cols; ++c) w.w[r * cols + c] *= s[static_cast<std::size_t>(c)];
}

void awq_scale_hessian(std::vector<double>& h, std::int64_t cols, const std::vector<float>& s) {
    for (std::int64_t i = 0; i < cols; ++i)
        for (std::int64_t j = 0; j < cols; ++j)
            h[static_cast<std::size_t>(i * cols + j)] /= static_cast<double>(s[static_cast<std::size_t>(i)]) * s[static_cast<std::size_t>(j)];
}

AwqScales awq_search_scales(const std::vector<AwqWeight>& group, std::int64_t cols, const std::vector<double>& h,
                            const std::vector<float>& x_mean, const AwqOptions& o, ThreadPool& pool) {
    if (group.empty() || cols < 1) fail("awq: empty scaling group");
    for (const AwqWeight& g : group)
        if (!g.quantizer) fail("awq: a weight of the scaling group has no grid");
    if (static_cast<std::int64_t>(h.size()) != cols * cols || static_cast<std::int64_t>(x_mean.size()) != cols)
        fail("awq: statistics for {} channels, weights with {}", x_mean.size(), cols);
    if (o.n_grid < 1) fail("awq: the ratio grid needs at least one point");
    const std::vector<float> w_mean = weight_magnitude(group, cols, o.group_size);
    AwqScales best;
    best.loss = std::numeric_limits<double>::infinity();
    std::vector<float> s(static_cast<std::size_t>(cols));
    for (int step = 0; step < o.n_grid; ++step) {
        const double ratio = static_cast<double>(step) / o.n_grid;
        float lo = std::numeric_limits<float>::infinity(), hi = 0;
        for (std::int64_t c = 0; c < cols; ++c) {
            const double v = std::pow(static_cast<double>(x_mean[static_cast<std::size_t>(c)]), ratio) /
                             (std::pow(static_cast<double>(w_mean[static_cast<std::size_t>(c)]), 1.0 - ratio) + 1e-4);
            s[static_cast<std::size_t>(c)] = static_cast<float>(std::max(v, 1e-4));
            lo = std::min(lo, s[static_cast<std::size_t>(c)]);
            hi = std::max(hi, s[static_cast<std::size_t>(c)]);
        }
        const float norm = std::sqrt(lo * hi);
        for (auto& v : s) v /= norm;
        const double loss = scaled_error(group, cols, h, s, pool);
        if (step == 0) best.loss_unscaled = scaled_error(group, cols, h, std::vector<float>(static_cast<std::size_t>(cols), 1.0f), pool);
        if (loss < best.loss) {
            best.loss = loss;
            best.ratio = ratio;
            best.scales = s;
        }
    }
    // a scaling that does not beat plain rounding is not worth folding in
    if (!(best.loss < best.loss_unscaled)) {
        best.scales.assign(static_cast<std::size_t>(cols), 1.0f);
        best.loss = best.loss_unscaled;
        best.ratio = -1;
    }
    return best;
}

std::int64_t awq_clip(const AwqWeight& w, std::int64_t cols, const std::vector<double>& h, std::int64_t gc,
                      const AwqOptions& o, ThreadPool& pool) {
    if (gc < 1 || cols % gc != 0) fail("awq: clipping groups of {} columns do not divide {}", gc, cols);
    const std::vector<float> importance = hessian_diagonal(h, cols);
    const int steps = std::min(static_cast<int>(o.max_shrink * o.clip_grid), o.clip_grid - 1);
    const std::int64_t rows = w.rows;
    std::int64_t clipped = 0;
    std::vector<float> orig(static_cast<std::size_t>(rows * gc)), cur(orig.size()), q(orig.size()), best_w(orig.size()), amax(static_cast<std::size_t>(rows));
    for (std::int64_t b = 0; b < cols; b += gc) {
        // the group's own contribution to the output error: through H's diagonal block
        const HessianOperator op(h, cols, b, gc);
        for (std::int64_t r = 0; r < rows; ++r) {
            float m = 0;
            for (std::int64_t c = 0; c < gc; ++c) {
                orig[static_cast<std::size_t>(r * gc + c)] = w.w[r * cols + b + c];
                m = std::max(m, std::fabs(w.w[r * cols + b + c]));
            }
            amax[static_cast<std::size_t>(r)] = m;
        }
        std::vector<double> best(static_cast<std::size_t>(rows), std::numeric_limits<double>::infinity());
        std::vector<int> best_step(static_cast<std::size_t>(rows), 0);
        for (int step = 0; step <= steps; ++step) {
            for (std::int64_t r = 0; r < rows; ++r) {
                const float limit = amax[static_cast<std::size_t>(r)] * (1.0f - static_cast<float>(step) / static_cast<float>(o.clip_grid));
                for (std::int64_t c = 0; c < gc; ++c)
                    cur[static_cast<std::size_t>(r * gc + c)] = std::clamp(orig[static_cast<std::size_t>(r * gc + c)], -limit, limit);
            }
            w.quantizer(cur.data(), rows, gc, importance.data() + b, q.data());
            // error against the unclipped weights: clipping is itself an error
            for (std::size_t i = 0; i < q.size(); ++i) q[i] = orig[i] - q[i];
            const std::vector<double> e = op.row_errors(q, rows, pool);
            for (std::int64_t r = 0; r < rows; ++r)
                if (e[static_cast<std::size_t>(r)] < best[static_cast<std::size_t>(r)]) {
                    best[static_cast<std::size_t>(r)] = e[static_cast<std::size_t>(r)];
                    best_step[static_cast<std::size_t>(r)] = step;
                    std::copy(cur.begin() + r * gc, cur.begin() + (r + 1) * gc, best_w.begin() + r * gc);
                }
        }
        for (std::int64_t r = 0; r < rows; ++r) {
            if (best_step[static_cast<std::size_t>(r)] == 0 || amax[static_cast<std::size_t>(r)] == 0) continue;
            std::copy(best_w.begin() + r * gc, best_w.begin() + (r + 1) * gc, w.w + r * cols + b);
            ++clipped;
        }
    }
    return clipped;
}

}  // namespace qforge
