#include "quant/methods/gptq.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "core/dense_linalg.h"
#include "core/error.h"
#include "core/float_convert.h"
#include "quant/codecs/codec_table.h"
#include "quant/kernels/matmul.h"
#include "quant/methods/block_grid.h"

namespace qforge {
namespace {

// Scale and zero point of one row's group on a grid of 0..maxq, as GPTQ's Quantizer.find_params.
struct Grid {
    float scale = 1, zero = 0;
};

int grid_maxq(int bits) { return (1 << bits) - 1; }

// The scale is rounded to fp16 here, as checkpoints store it, so error feedback works with the values the
// checkpoint's loaders compute. min_zero 1 keeps zero points storable in AutoGPTQ's v1 layout (zero - 1).
Grid find_grid(const float* x, std::int64_t n, std::int64_t stride, int maxq, bool symmetric, int min_zero) {
    float lo = 0, hi = 0;
    for (std::int64_t i = 0; i < n; ++i) {
        lo = std::min(lo, x[i * stride]);
        hi = std::max(hi, x[i * stride]);
    }
    if (symmetric) {
        hi = std::max(std::fabs(lo), hi);
        if (lo < 0) lo = -hi;
    }
    if (lo == 0 && hi == 0) {
        lo = -1;
        hi = 1;
    }
    auto half = [](float v) { return fp16_to_fp32(fp32_to_fp16(std::min(v, 65504.0f))); };
    Grid g;
    g.scale = half((hi - lo) / static_cast<float>(maxq));
    if (symmetric) {
        g.zero = static_cast<float>((maxq + 1) / 2);
    } else {
        g.zero = g.scale == 0 ? 0 : std::clamp(std::nearbyint(-lo / g.scale), 0.0f, static_cast<float>(maxq));  // ties to even, as torch
        if (g.zero < static_cast<float>(min_zero)) {  // every weight >= 0: levels min_zero..maxq span [0, hi]
            g.zero = static_cast<float>(min_zero);
            g.scale = half(hi / static_cast<float>(maxq - min_zero));
        }
    }
    return g;
}

int level(float x, const Grid& g, int maxq) {
    if (g.scale == 0) return static_cast<int>(g.zero);  // an all-zero block
    return static_cast<int>(std::clamp(std::nearbyint(x / g.scale) + g.zero, 0.0f, static_cast<float>(maxq)));
}

float dequant(int q, const Grid& g) { return g.scale * (static_cast<float>(q) - g.zero); }

// The upper Cholesky factor U of H^-1 (H^-1 = U^T U), which GPTQ's updates use, in float: LAPACK in double for
// the factorisations (H's condition is what the damping controls), float for the sweep that reads it.
std::vector<float> inverse_hessian_factor(std::vector<double> h, std::int64_t n) {
    if (!cholesky(h.data(), n, Triangle::Lower)) fail("gptq: the damped Hessian is not positive definite (raise --damp)");
    inverse_from_lower_cholesky(h.data(), n);
    if (!cholesky(h.data(), n, Triangle::Upper)) fail("gptq: the inverse Hessian is not positive definite (raise --damp)");
    return std::vector<float>(h.begin(), h.end());
}

void check(std::int64_t rows, std::int64_t columns, const GptqOptions& o) {
    if (rows < 1 || columns < 1) fail("gptq: empty weight");
    if (o.damp < 0) fail("gptq: damping must not be negative");
    if (o.block_size < 1) fail("gptq: block size must be positive");
    if (o.gguf_type) {
        const BlockGrid grid(*o.gguf_type);
        const int b = grid.block_columns();
        if (columns % b != 0) fail("gptq: {} columns do not fill {}-column {} blocks", columns, b, type_name(*o.gguf_type));
        if (o.act_order || o.static_groups)
            fail("gptq: act-order and static groups do not apply to {} (its blocks are contiguous columns)", type_name(*o.gguf_type));
        if (o.block_size % b != 0 && b % o.block_size != 0)
            fail("gptq: block size {} does not line up with {}-column blocks", o.block_size, b);
        const int g = grid.group_columns();
        if (o.block_size % g != 0 && g % o.block_size != 0)
            fail("gptq: block size {} does not line up with {}'s {}-column groups", o.block_size, type_name(*o.gguf_type), g);
        return;
    }
    if (o.bits < 2 || o.bits > 8) fail("gptq: {} bits (expected 2..8)", o.bits);
    if (o.group_size != -1 && (o.group_size < 1 || columns % o.group_size != 0))
        fail("gptq: group size {} does not divide the {} input columns", o.group_size, columns);
}

std::int64_t group_columns(const GptqOptions& o, std::int64_t columns) { return o.group_size == -1 ? columns : o.group_size; }

// Per group of g columns starting at c0 (a multiple of g): L = (U_GG^-1)^T, g x g lower triangular, row-major, at
// metric[c0 * g]; and the diagonal of L^T L at weight[c0..c0+g).
void group_metrics(const std::vector<float>& u, std::int64_t n, int g, std::vector<float>& metric, std::vector<float>& weight) {
    metric.assign(static_cast<std::size_t>(n * g), 0.0f);
    weight.assign(static_cast<std::size_t>(n), 0.0f);
    std::vector<double> v(static_cast<std::size_t>(g * g));
    for (std::int64_t c0 = 0; c0 + g <= n; c0 += g) {
        auto U = [&](int i, int j) { return static_cast<double>(u[static_cast<std::size_t>((c0 + i) * n + c0 + j)]); };
        std::fill(v.begin(), v.end(), 0.0);
        for (int j = 0; j < g; ++j) {  // V = U_GG^-1, upper, column by column from the bottom
            v[static_cast<std::size_t>(j * g + j)] = 1 / U(j, j);
            for (int i = j - 1; i >= 0; --i) {
                double sum = 0;
                for (int k = i + 1; k <= j; ++k) sum += U(i, k) * v[static_cast<std::size_t>(k * g + j)];
                v[static_cast<std::size_t>(i * g + j)] = -sum / U(i, i);
            }
        }
        float* L = metric.data() + c0 * g;
        for (int i = 0; i < g; ++i)
            for (int k = 0; k <= i; ++k) {
                const double l = v[static_cast<std::size_t>(k * g + i)];
                L[i * g + k] = static_cast<float>(l);
                weight[static_cast<std::size_t>(c0 + k)] += static_cast<float>(l * l);
            }
    }
}

}  // namespace

HessianAccumulator::HessianAccumulator(std::int64_t columns)
    : n_(columns), h_(static_cast<std::size_t>(columns * columns), 0.0) {
    if (columns < 1) fail("gptq: a Hessian needs at least one column");
}

namespace {
constexpr std::int64_t kGatheredRows = 1024;
}

const std::vector<double>& HessianAccumulator::matrix() const {
    flush();
    return h_;
}

std::vector<double> HessianAccumulator::take() {
    flush();
    std::vector<float>().swap(pending_);
    std::vector<float>().swap(gram_);
    return std::move(h_);
}

// running mean: H = H * n/(n+m) + 2/(n+m) * X^T X of the m waiting rows, X^T X in float (OpenBLAS), summed in double
void HessianAccumulator::flush() const {
    if (pending_rows_ == 0) return;
    const double total = static_cast<double>(samples_ + pending_rows_);
    const double keep = static_cast<double>(samples_) / total, add = 2.0 / total;
    gram_.resize(static_cast<std::size_t>(n_ * n_));
    gram(pending_rows_, n_, 1.0f, pending_.data(), 0.0f, gram_.data());
    for (std::size_t i = 0; i < h_.size(); ++i) h_[i] = h_[i] * keep + add * static_cast<double>(gram_[i]);
    samples_ += pending_rows_;
    pending_rows_ = 0;
}

void HessianAccumulator::add(const float* x, std::int64_t rows, ThreadPool* pool) {
    if (rows < 1) return;
    if (pool != nullptr) {
        for (std::int64_t r0 = 0; r0 < rows;) {
            const std::int64_t take = std::min(rows - r0, kGatheredRows - pending_rows_);
            pending_.resize(static_cast<std::size_t>(kGatheredRows * n_));
            std::copy(x + r0 * n_, x + (r0 + take) * n_, pending_.begin() + pending_rows_ * n_);
            pending_rows_ += take;
            r0 += take;
            if (pending_rows_ == kGatheredRows) flush();
        }
        return;
    }
    flush();
    const double total = static_cast<double>(samples_ + rows);
    const double keep = static_cast<double>(samples_) / total, add = 2.0 / total;
    for (auto& v : h_) v *= keep;
    // reference: the upper triangle summed in double, then mirrored
    for (std::int64_t r = 0; r < rows; ++r) {
        const float* xr = x + r * n_;
        for (std::int64_t i = 0; i < n_; ++i) {
            const double xi = add * xr[i];
            if (xi == 0) continue;
            double* hi = h_.data() + i * n_;
            for (std::int64_t j = i; j < n_; ++j) hi[j] += xi * xr[j];
        }
    }
    for (std::int64_t i = 0; i < n_; ++i)
        for (std::int64_t j = i + 1; j < n_; ++j) h_[static_cast<std::size_t>(j * n_ + i)] = h_[static_cast<std::size_t>(i * n_ + j)];
    samples_ += rows;
}

GptqResult rtn_quantize(const float* w, std::int64_t rows, std::int64_t columns, const GptqOptions& o) {
    check(rows, columns, o);
    GptqResult r;
    r.dequantized.resize(static_cast<std::size_t>(rows * columns));
    if (o.gguf_type) {
        const std::size_t row_bytes = *bytes_for(*o.gguf_type, static_cast<std::uint64_t>(columns));
        r.blocks.resize(static_cast<std::size_t>(rows) * row_bytes);
        for (std::int64_t row = 0; row < rows; ++row) {
            quantize_row(*o.gguf_type, w + row * columns, r.blocks.data() + row * row_bytes, columns, o.importance);
            dequantize_row(*o.gguf_type, r.blocks.data() + row * row_bytes, r.dequantized.data() + row * columns, columns);
        }
        return r;
    }
    const int maxq = grid_maxq(o.bits);
    const std::int64_t gs = group_columns(o, columns), groups = columns / gs;
    r.q.resize(r.dequantized.size());
    r.scales.resize(static_cast<std::size_t>(rows * groups));
    r.zeros.resize(r.scales.size());
    r.g_idx.resize(static_cast<std::size_t>(columns));
    for (std::int64_t c = 0; c < columns; ++c) r.g_idx[static_cast<std::size_t>(c)] = static_cast<std::int32_t>(c / gs);
    for (std::int64_t row = 0; row < rows; ++row)
        for (std::int64_t g = 0; g < groups; ++g) {
            const float* x = w + row * columns + g * gs;
            const Grid grid = find_grid(x, gs, 1, maxq, o.symmetric, o.min_zero);
            r.scales[static_cast<std::size_t>(row * groups + g)] = grid.scale;
            r.zeros[static_cast<std::size_t>(row * groups + g)] = grid.zero;
            for (std::int64_t c = 0; c < gs; ++c) {
                const int q = level(x[c], grid, maxq);
                const auto at = static_cast<std::size_t>(row * columns + g * gs + c);
                r.q[at] = static_cast<std::uint8_t>(q);
                r.dequantized[at] = dequant(q, grid);
            }
        }
    return r;
}

GptqFactor gptq_factor(const std::vector<double>& h_in, std::int64_t columns, const GptqOptions& o) {
    const std::int64_t n = columns;
    if (n < 1 || static_cast<std::int64_t>(h_in.size()) != n * n) fail("gptq: Hessian of {} values for {} columns", h_in.size(), n);
    if (o.damp < 0) fail("gptq: damping must not be negative");
    GptqFactor f;
    f.columns = n;
    f.act_order = o.act_order;
    f.damp = o.damp;
    std::vector<double> h = h_in;
    // dead inputs (never active): nothing to preserve, their weights are dropped
    f.dead.assign(static_cast<std::size_t>(n), 0);
    for (std::int64_t i = 0; i < n; ++i)
        if (h[i * n + i] == 0) {
            h[i * n + i] = 1;
            f.dead[static_cast<std::size_t>(i)] = 1;
        }
    f.diagonal.resize(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) f.diagonal[static_cast<std::size_t>(i)] = static_cast<float>(h[i * n + i]);
    // act-order: columns by decreasing Hessian diagonal
    f.perm.resize(static_cast<std::size_t>(n));
    std::iota(f.perm.begin(), f.perm.end(), 0);
    if (o.act_order) {
        std::stable_sort(f.perm.begin(), f.perm.end(), [&](std::int64_t a, std::int64_t b) { return h[a * n + a] > h[b * n + b]; });
        std::vector<double> hp(h.size());
        for (std::int64_t i = 0; i < n; ++i)
            for (std::int64_t j = 0; j < n; ++j) hp[i * n + j] = h[f.perm[i] * n + f.perm[j]];
        h.swap(hp);
    }
    double mean_diag = 0;
    for (std::int64_t i = 0; i < n; ++i) mean_diag += h[i * n + i];
    mean_diag /= static_cast<double>(n);
    for (std::int64_t i = 0; i < n; ++i) h[i * n + i] += o.damp * mean_diag;
    f.u = inverse_hessian_factor(std::move(h), n);
    return f;
}

GptqResult gptq_quantize(const float* w_in, std::int64_t rows, std::int64_t columns, const std::vector<double>& h,
                         const GptqOptions& o) {
    check(rows, columns, o);
    return gptq_quantize(w_in, rows, columns, gptq_factor(h, columns, o), o);
}

GptqResult gptq_quantize(const float* w_in, std::int64_t rows, std::int64_t columns, const GptqFactor& f, const GptqOptions& o) {
    check(rows, columns, o);
    if (f.columns != columns || f.act_order != o.act_order || f.damp != o.damp)
        fail("gptq: a factor of {} columns (act-order {}, damp {}) for {} columns (act-order {}, damp {})", f.columns, f.act_order,
             f.damp, columns, o.act_order, o.damp);
    const bool gguf = o.gguf_type.has_value();
    const int maxq = gguf ? 0 : grid_maxq(o.bits);
    const std::int64_t n = columns, gs = gguf ? BlockGrid(*o.gguf_type).block_columns() : group_columns(o, columns),
                       groups = columns / gs;
    std::vector<float> w(w_in, w_in + rows * columns);  // working copy, updated as columns are quantized
    for (std::int64_t i = 0; i < n; ++i)
        if (f.dead[static_cast<std::size_t>(i)])
            for (std::int64_t r = 0; r < rows; ++r) w[r * n + i] = 0;
    // GGUF grids: the block scale search weighs columns by their importance
    std::vector<float> importance(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i)
        importance[static_cast<std::size_t>(i)] = o.importance != nullptr ? o.importance[i] : f.diagonal[static_cast<std::size_t>(i)];
    // static groups: parameters from the weights before any update or permutation
    std::vector<Grid> static_grids;
    if (o.static_groups)
        for (std::int64_t r = 0; r < rows; ++r)
            for (std::int64_t g = 0; g < groups; ++g)
                static_grids.push_back(find_grid(w.data() + r * n + g * gs, gs, 1, maxq, o.symmetric, o.min_zero));
    const std::vector<std::int64_t>& perm = f.perm;
    if (o.act_order) {
        std::vector<float> wp(w.size());
        for (std::int64_t r = 0; r < rows; ++r)
            for (std::int64_t j = 0; j < n; ++j) wp[r * n + j] = w[r * n + perm[j]];
        w.swap(wp);
    }
    const std::vector<float>& u = f.u;

    GptqResult res;
    res.dequantized.resize(static_cast<std::size_t>(rows * n));
    res.g_idx.resize(static_cast<std::size_t>(n));
    for (std::int64_t col = 0; col < n; ++col)
        res.g_idx[static_cast<std::size_t>(perm[col])] = static_cast<std::int32_t>(o.static_groups ? perm[col] / gs : col / gs);
    std::optional<BlockGrid> block_grid;
    std::vector<ElementGrid> element_grids;  // GGUF: rows x block columns, of the blocks being swept
    std::vector<std::uint8_t> levels;        // GGUF: rows x columns
    std::size_t row_bytes = 0;
    if (gguf) {
        block_grid.emplace(*o.gguf_type);
        row_bytes = *bytes_for(*o.gguf_type, static_cast<std::uint64_t>(n));
        res.blocks.resize(static_cast<std::size_t>(rows) * row_bytes);
        if (block_grid->group_columns() == 1) {
            element_grids.resize(static_cast<std::size_t>(rows * gs));
            levels.resize(static_cast<std::size_t>(rows * n));
        }
    } else {
        res.q.resize(res.dequantized.size());
        res.scales.resize(static_cast<std::size_t>(rows * groups));
        res.zeros.resize(res.scales.size());
    }
    // Codebook grids round 8 columns at once. Committing a group G while the columns after it still compensate
    // costs e^T ((H^-1)_GG)^-1 e over the not yet swept columns, and there (H^-1)_GG = U_GG^T U_GG, so the loss is
    // |L e|^2 with L = (U_GG^-1)^T: each group's metric. Points are ranked by its diagonal.
    const int group_cols = gguf ? block_grid->group_columns() : 1;
    std::vector<float> group_metric, group_weight;
    if (group_cols > 1) group_metrics(f.u, n, group_cols, group_metric, group_weight);
    const std::int64_t bs = o.block_size;
    std::vector<float> err(static_cast<std::size_t>(rows * bs));
    std::vector<Grid> grid(static_cast<std::size_t>(rows));
    // Rows are independent given U: each row's sweep of a block runs on one thread.
    auto rows_in_parallel = [&](auto&& fn) {
        if (o.pool != nullptr && rows > 1) o.pool->parallel_for(rows, fn);
        else fn(std::int64_t{0}, rows);
    };
    for (std::int64_t i1 = 0; i1 < n; i1 += bs) {
        const std::int64_t i2 = std::min(n, i1 + bs), count = i2 - i1;
        rows_in_parallel([&](std::int64_t r0, std::int64_t r1) {
            std::vector<float> block_values(static_cast<std::size_t>(gs)), at_start(static_cast<std::size_t>(count));
            float group_values[CodebookGrid::kGroupColumns];
            for (std::int64_t r = r0; r < r1; ++r) {
                float* wr = w.data() + r * n;
                // INTn group parameters come from the weights as they stand when the lazy block starts (the reference
                // updates a copy of the block column by column and the full matrix only at the block's end)
                if (!gguf && !o.static_groups) std::copy(wr + i1, wr + i2, at_start.begin());
                for (std::int64_t i = 0; i < count; ++i) {
                    const std::int64_t col = i1 + i;      // position in the (permuted) sweep
                    const std::int64_t orig = perm[col];  // the input column it is
                    const std::int64_t group = o.static_groups ? orig / gs : col / gs;
                    if (gguf && col % gs == 0) {
                        // the block's scales from its columns' current, error-updated weights
                        std::copy(wr + col, wr + col + gs, block_values.begin());
                        block_grid->fix(block_values.data(), importance.data() + col,
                                        res.blocks.data() + static_cast<std::size_t>(r) * row_bytes + static_cast<std::size_t>(group) * block_grid->block_bytes(),
                                        group_cols == 1 ? element_grids.data() + r * gs : nullptr);
                    } else if (o.static_groups) {
                        grid[r] = static_grids[static_cast<std::size_t>(r * groups + group)];
                    } else if (!gguf && col % gs == 0) {
                        // the group's parameters from its columns' error-updated weights (past the block: as they are)
                        for (std::int64_t c = 0; c < gs; ++c)
                            block_values[static_cast<std::size_t>(c)] = col + c < i2 ? at_start[static_cast<std::size_t>(col + c - i1)] : wr[col + c];
                        grid[r] = find_grid(block_values.data(), gs, 1, maxq, o.symmetric, o.min_zero);
                    }
                    const float wv = wr[col];
                    float deq;
                    if (gguf && group_cols > 1) {
                        // a group lies inside a lazy block or starts one (their sizes divide each other), so its
                        // values carry every update from the columns before it
                        if (col % group_cols == 0)
                            block_grid->round_group(res.blocks.data() + static_cast<std::size_t>(r) * row_bytes +
                                                        static_cast<std::size_t>(group) * block_grid->block_bytes(),
                                                    static_cast<int>(col % gs), wr + col, group_weight.data() + col,
                                                    group_metric.data() + col * group_cols, group_values);
                        deq = group_values[col % group_cols];
                    } else if (gguf) {
                        const ElementGrid& eg = element_grids[static_cast<std::size_t>(r * gs + col % gs)];
                        const int q = nearest_level(eg, wv);
                        deq = level_value(eg, q);
                        levels[static_cast<std::size_t>(r * n + orig)] = static_cast<std::uint8_t>(q);
                    } else {
                        const int q = level(wv, grid[r], maxq);
                        deq = dequant(q, grid[r]);
                        res.q[static_cast<std::size_t>(r * n + orig)] = static_cast<std::uint8_t>(q);
                        res.scales[static_cast<std::size_t>(r * groups + group)] = grid[r].scale;
                        res.zeros[static_cast<std::size_t>(r * groups + group)] = grid[r].zero;
                    }
                    res.dequantized[static_cast<std::size_t>(r * n + orig)] = deq;
                    const float e = (wv - deq) / u[static_cast<std::size_t>(col * n + col)];
                    err[static_cast<std::size_t>(r * bs + i)] = e;
                    // within the block: update the columns after this one at once
                    const float* ucol = u.data() + col * n;
                    for (std::int64_t j = col + 1; j < i2; ++j) wr[j] -= e * ucol[j];
                }
            }
        });
        // lazy update of everything after the block: W[:, i2:] -= Err U[i1:i2, i2:], one matrix product
        if (i2 < n) gemm(rows, n - i2, count, -1.0f, err.data(), bs, u.data() + i1 * n + i2, n, 1.0f, w.data() + i2, n);
    }
    if (gguf && group_cols == 1)
        rows_in_parallel([&](std::int64_t r0, std::int64_t r1) {
            for (std::int64_t r = r0; r < r1; ++r)
                for (std::int64_t b = 0; b < groups; ++b)
                    block_grid->pack(levels.data() + r * n + b * gs,
                                     res.blocks.data() + static_cast<std::size_t>(r) * row_bytes + static_cast<std::size_t>(b) * block_grid->block_bytes());
        });
    return res;
}

}  // namespace qforge
