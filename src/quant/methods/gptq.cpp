#include "quant/methods/gptq.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "core/error.h"
#include "core/float_convert.h"
#include "quant/codecs/legacy.h"

namespace qforge {
namespace {

// Scale and zero point of one row's group on a grid of 0..maxq, as GPTQ's Quantizer.find_params.
struct Grid {
    float scale = 1, zero = 0;
};

// GGUF grids: ggml's reference block scale (signed extreme over -8 or -16 for Q4_0/Q5_0, absolute maximum
// over 127 for Q8_0), rounded to the fp16 the block stores; levels offset by the type's zero.
Grid find_gguf_grid(const float* x, std::int64_t n, GptqGrid grid) {
    float amax = 0, max = 0;
    for (std::int64_t i = 0; i < n; ++i)
        if (std::fabs(x[i]) > amax) {
            amax = std::fabs(x[i]);
            max = x[i];
        }
    Grid g;
    switch (grid) {
        case GptqGrid::Q4_0: g.scale = max / -8; g.zero = 8; break;
        case GptqGrid::Q5_0: g.scale = max / -16; g.zero = 16; break;
        default: g.scale = amax / 127; g.zero = 128; break;
    }
    g.scale = fp16_to_fp32(fp32_to_fp16(g.scale));
    return g;
}

int grid_maxq(GptqGrid grid, int bits) {
    switch (grid) {
        case GptqGrid::Q4_0: return 15;
        case GptqGrid::Q5_0: return 31;
        case GptqGrid::Q8_0: return 255;
        default: return (1 << bits) - 1;
    }
}

Grid find_grid(const float* x, std::int64_t n, std::int64_t stride, int maxq, bool symmetric) {
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
    Grid g;
    g.scale = (hi - lo) / static_cast<float>(maxq);
    g.zero = symmetric ? static_cast<float>((maxq + 1) / 2) : std::nearbyint(-lo / g.scale);  // ties to even, as torch
    return g;
}

int level(float x, const Grid& g, int maxq) {
    if (g.scale == 0) return static_cast<int>(g.zero);  // an all-zero block
    return static_cast<int>(std::clamp(std::nearbyint(x / g.scale) + g.zero, 0.0f, static_cast<float>(maxq)));
}

float dequant(int q, const Grid& g) { return g.scale * (static_cast<float>(q) - g.zero); }

// In-place Cholesky factor (lower) of a symmetric positive definite n x n matrix; false if not positive.
bool cholesky(std::vector<double>& a, std::int64_t n) {
    for (std::int64_t j = 0; j < n; ++j) {
        double d = a[j * n + j];
        for (std::int64_t k = 0; k < j; ++k) d -= a[j * n + k] * a[j * n + k];
        if (!(d > 0)) return false;
        d = std::sqrt(d);
        a[j * n + j] = d;
        for (std::int64_t i = j + 1; i < n; ++i) {
            double s = a[i * n + j];
            for (std::int64_t k = 0; k < j; ++k) s -= a[i * n + k] * a[j * n + k];
            a[i * n + j] = s / d;
        }
        for (std::int64_t k = j + 1; k < n; ++k) a[j * n + k] = 0;
    }
    return true;
}

// The upper Cholesky factor U of H^-1 (H^-1 = U^T U), which GPTQ's updates use.
std::vector<double> inverse_hessian_factor(std::vector<double> h, std::int64_t n) {
    if (!cholesky(h, n)) fail("gptq: the damped Hessian is not positive definite (raise --damp)");
    // H^-1 from the lower factor L: solve L Y = I, then H^-1 = Y^T Y.
    std::vector<double> y(static_cast<std::size_t>(n * n), 0.0);
    for (std::int64_t c = 0; c < n; ++c)
        for (std::int64_t i = c; i < n; ++i) {
            double s = i == c ? 1.0 : 0.0;
            for (std::int64_t k = c; k < i; ++k) s -= h[i * n + k] * y[k * n + c];
            y[i * n + c] = s / h[i * n + i];
        }
    std::vector<double> inv(static_cast<std::size_t>(n * n), 0.0);
    for (std::int64_t i = 0; i < n; ++i)
        for (std::int64_t j = 0; j <= i; ++j) {
            double s = 0;
            for (std::int64_t k = i; k < n; ++k) s += y[k * n + i] * y[k * n + j];
            inv[i * n + j] = inv[j * n + i] = s;
        }
    // upper factor: U = L'^T with L' the lower Cholesky factor of H^-1
    if (!cholesky(inv, n)) fail("gptq: the inverse Hessian is not positive definite (raise --damp)");
    std::vector<double> u(static_cast<std::size_t>(n * n), 0.0);
    for (std::int64_t i = 0; i < n; ++i)
        for (std::int64_t j = 0; j <= i; ++j) u[j * n + i] = inv[i * n + j];
    return u;
}

void check(std::int64_t rows, std::int64_t columns, const GptqOptions& o) {
    if (o.grid != GptqGrid::Int && (o.group_size != 32 || o.static_groups))
        fail("gptq: GGUF block grids take groups of 32 columns (their blocks), computed as the sweep reaches them");
    if (o.bits < 2 || o.bits > 8) fail("gptq: {} bits (expected 2..8)", o.bits);
    if (rows < 1 || columns < 1) fail("gptq: empty weight");
    if (o.group_size != -1 && (o.group_size < 1 || columns % o.group_size != 0))
        fail("gptq: group size {} does not divide the {} input columns", o.group_size, columns);
    if (o.damp < 0) fail("gptq: damping must not be negative");
    if (o.block_size < 1) fail("gptq: block size must be positive");
}

std::int64_t group_columns(const GptqOptions& o, std::int64_t columns) { return o.group_size == -1 ? columns : o.group_size; }

}  // namespace

HessianAccumulator::HessianAccumulator(std::int64_t columns)
    : n_(columns), h_(static_cast<std::size_t>(columns * columns), 0.0) {
    if (columns < 1) fail("gptq: a Hessian needs at least one column");
}

void HessianAccumulator::add(const float* x, std::int64_t rows) {
    if (rows < 1) return;
    // running mean: H = H * n/(n+m) + 2/(n+m) * X^T X; the upper triangle is summed, then mirrored
    const double total = static_cast<double>(samples_ + rows);
    const double keep = static_cast<double>(samples_) / total, add = 2.0 / total;
    for (auto& v : h_) v *= keep;
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
    const int maxq = grid_maxq(o.grid, o.bits);
    const std::int64_t gs = group_columns(o, columns), groups = columns / gs;
    GptqResult r;
    r.dequantized.resize(static_cast<std::size_t>(rows * columns));
    r.q.resize(r.dequantized.size());
    r.scales.resize(static_cast<std::size_t>(rows * groups));
    r.zeros.resize(r.scales.size());
    r.g_idx.resize(static_cast<std::size_t>(columns));
    for (std::int64_t c = 0; c < columns; ++c) r.g_idx[static_cast<std::size_t>(c)] = static_cast<std::int32_t>(c / gs);
    for (std::int64_t row = 0; row < rows; ++row)
        for (std::int64_t g = 0; g < groups; ++g) {
            const float* x = w + row * columns + g * gs;
            const Grid grid = o.grid == GptqGrid::Int ? find_grid(x, gs, 1, maxq, o.symmetric) : find_gguf_grid(x, gs, o.grid);
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

GptqResult gptq_quantize(const float* w_in, std::int64_t rows, std::int64_t columns, const std::vector<double>& h_in,
                         const GptqOptions& o) {
    check(rows, columns, o);
    if (static_cast<std::int64_t>(h_in.size()) != columns * columns)
        fail("gptq: Hessian of {} values for {} columns", h_in.size(), columns);
    const int maxq = grid_maxq(o.grid, o.bits);
    const std::int64_t n = columns, gs = group_columns(o, columns), groups = columns / gs;
    std::vector<double> h = h_in;
    std::vector<double> w(w_in, w_in + rows * columns);  // working copy, updated as columns are quantized

    // dead inputs (never active): nothing to preserve, weight dropped
    for (std::int64_t i = 0; i < n; ++i)
        if (h[i * n + i] == 0) {
            h[i * n + i] = 1;
            for (std::int64_t r = 0; r < rows; ++r) w[r * n + i] = 0;
        }
    // static groups: parameters from the weights before any update or permutation
    std::vector<Grid> static_grids;
    if (o.static_groups) {
        std::vector<float> wf(w.begin(), w.end());
        for (std::int64_t r = 0; r < rows; ++r)
            for (std::int64_t g = 0; g < groups; ++g)
                static_grids.push_back(find_grid(wf.data() + r * n + g * gs, gs, 1, maxq, o.symmetric));
    }
    // act-order: columns by decreasing Hessian diagonal
    std::vector<std::int64_t> perm(static_cast<std::size_t>(n));
    std::iota(perm.begin(), perm.end(), 0);
    if (o.act_order && o.grid != GptqGrid::Int) fail("gptq: act-order does not apply to GGUF blocks (they are contiguous)");
    if (o.act_order) {
        std::stable_sort(perm.begin(), perm.end(), [&](std::int64_t a, std::int64_t b) { return h[a * n + a] > h[b * n + b]; });
        std::vector<double> hp(h.size()), wp(w.size());
        for (std::int64_t i = 0; i < n; ++i)
            for (std::int64_t j = 0; j < n; ++j) hp[i * n + j] = h[perm[i] * n + perm[j]];
        for (std::int64_t r = 0; r < rows; ++r)
            for (std::int64_t j = 0; j < n; ++j) wp[r * n + j] = w[r * n + perm[j]];
        h.swap(hp);
        w.swap(wp);
    }
    double mean_diag = 0;
    for (std::int64_t i = 0; i < n; ++i) mean_diag += h[i * n + i];
    mean_diag /= static_cast<double>(n);
    for (std::int64_t i = 0; i < n; ++i) h[i * n + i] += o.damp * mean_diag;
    const std::vector<double> u = inverse_hessian_factor(std::move(h), n);

    GptqResult res;
    res.dequantized.resize(static_cast<std::size_t>(rows * n));
    res.q.resize(res.dequantized.size());
    res.scales.resize(static_cast<std::size_t>(rows * groups));
    res.zeros.resize(res.scales.size());
    res.g_idx.resize(static_cast<std::size_t>(n));
    std::vector<Grid> grid(static_cast<std::size_t>(rows));
    std::vector<float> column(static_cast<std::size_t>(rows));
    std::vector<double> err(static_cast<std::size_t>(rows * o.block_size));
    std::vector<double> at_block_start;
    for (std::int64_t i1 = 0; i1 < n; i1 += o.block_size) {
        const std::int64_t i2 = std::min(n, i1 + o.block_size), count = i2 - i1;
        // Group parameters come from the weights as they stand when the block starts (the reference updates a
        // copy of the block column by column and the full matrix only at the block's end).
        if (!o.static_groups) at_block_start = w;
        for (std::int64_t i = 0; i < count; ++i) {
            const std::int64_t col = i1 + i;        // position in the (permuted) sweep
            const std::int64_t orig = perm[col];    // the input column it is
            const std::int64_t group = o.static_groups ? orig / gs : col / gs;
            if (o.static_groups) {
                for (std::int64_t r = 0; r < rows; ++r) grid[r] = static_grids[static_cast<std::size_t>(r * groups + group)];
            } else if (col % gs == 0) {
                // the group's parameters from its columns' error-updated weights
                std::vector<float> g(static_cast<std::size_t>(gs));
                for (std::int64_t r = 0; r < rows; ++r) {
                    for (std::int64_t c = 0; c < gs; ++c) g[c] = static_cast<float>(at_block_start[r * n + col + c]);
                    grid[r] = o.grid == GptqGrid::Int ? find_grid(g.data(), gs, 1, maxq, o.symmetric) : find_gguf_grid(g.data(), gs, o.grid);
                }
            }
            const double d = u[col * n + col];
            for (std::int64_t r = 0; r < rows; ++r) {
                const auto wv = static_cast<float>(w[r * n + col]);
                const int q = level(wv, grid[r], maxq);
                const float deq = dequant(q, grid[r]);
                res.q[static_cast<std::size_t>(r * n + orig)] = static_cast<std::uint8_t>(q);
                res.dequantized[static_cast<std::size_t>(r * n + orig)] = deq;
                res.scales[static_cast<std::size_t>(r * groups + group)] = grid[r].scale;
                res.zeros[static_cast<std::size_t>(r * groups + group)] = grid[r].zero;
                const double e = (static_cast<double>(wv) - deq) / d;
                err[static_cast<std::size_t>(r * o.block_size + i)] = e;
                // within the block: update the columns after this one at once
                for (std::int64_t j = col + 1; j < i2; ++j) w[r * n + j] -= e * u[col * n + j];
            }
            res.g_idx[static_cast<std::size_t>(orig)] = static_cast<std::int32_t>(group);
        }
        // lazy update of everything after the block
        for (std::int64_t r = 0; r < rows; ++r)
            for (std::int64_t i = 0; i < count; ++i) {
                const double e = err[static_cast<std::size_t>(r * o.block_size + i)];
                if (e == 0) continue;
                const double* urow = u.data() + (i1 + i) * n;
                for (std::int64_t j = i2; j < n; ++j) w[r * n + j] -= e * urow[j];
            }
    }
    return res;
}

std::vector<std::uint8_t> gptq_to_gguf_blocks(const GptqResult& r, std::int64_t rows, std::int64_t columns, GptqGrid grid) {
    if (grid == GptqGrid::Int) fail("gptq: an INTn grid has no GGUF block layout");
    if (columns % 32 != 0) fail("gptq: {} columns do not fill 32-wide blocks", columns);
    const std::int64_t blocks = columns / 32;
    const std::size_t block_bytes = grid == GptqGrid::Q4_0 ? sizeof(BlockQ4_0) : grid == GptqGrid::Q5_0 ? sizeof(BlockQ5_0) : sizeof(BlockQ8_0);
    std::vector<std::uint8_t> out(static_cast<std::size_t>(rows * blocks) * block_bytes);
    for (std::int64_t row = 0; row < rows; ++row)
        for (std::int64_t b = 0; b < blocks; ++b) {
            const std::uint16_t d = fp32_to_fp16(r.scales[static_cast<std::size_t>(row * blocks + b)]);
            const std::uint8_t* q = r.q.data() + row * columns + b * 32;
            std::uint8_t* dst = out.data() + static_cast<std::size_t>(row * blocks + b) * block_bytes;
            if (grid == GptqGrid::Q8_0) {
                BlockQ8_0 blk{d, {}};
                for (int j = 0; j < 32; ++j) blk.qs[j] = static_cast<std::int8_t>(q[j] - 128);
                std::memcpy(dst, &blk, sizeof(blk));
            } else if (grid == GptqGrid::Q4_0) {
                BlockQ4_0 blk{d, {}};
                for (int j = 0; j < 16; ++j) blk.qs[j] = static_cast<std::uint8_t>(q[j] | (q[j + 16] << 4));
                std::memcpy(dst, &blk, sizeof(blk));
            } else {
                BlockQ5_0 blk{d, {}, {}};
                std::uint32_t qh = 0;
                for (int j = 0; j < 16; ++j) {
                    blk.qs[j] = static_cast<std::uint8_t>((q[j] & 0xF) | ((q[j + 16] & 0xF) << 4));
                    qh |= static_cast<std::uint32_t>((q[j] >> 4) & 1) << j;
                    qh |= static_cast<std::uint32_t>((q[j + 16] >> 4) & 1) << (j + 16);
                }
                std::memcpy(blk.qh, &qh, sizeof(qh));
                std::memcpy(dst, &blk, sizeof(blk));
            }
        }
    return out;
}

}  // namespace qforge
