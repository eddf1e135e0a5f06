#include "quant/kernels/matmul.h"

#include <algorithm>

#include "core/error.h"
#include "quant/kernels/activations.h"

namespace qforge {
namespace {

constexpr int kMaxWeights = 8;

// Rows a work item covers: a layout's group, or 16 rows of a kernel that reads rows in place.
std::int64_t item_rows(const LinearWeight& w) { return w.kernel().kind == GemmKernel::Kind::Interleaved ? w.kernel().row_group : 16; }

}  // namespace

MatmulScratch::Converted& MatmulScratch::converted(ActivationFormat format, std::size_t bytes) {
    for (auto& c : converted_)
        if (c.format == format) {
            c.bytes.reserve(bytes);
            return c;
        }
    converted_.push_back(Converted{format, AlignedBuffer(bytes), 0});
    return converted_.back();
}

void MatmulScratch::reserve(std::span<const LinearWeight* const> weights, std::int64_t n_tokens) {
    for (const LinearWeight* w : weights) converted(w->kernel().activation, activation_bytes(w->kernel().activation, w->n_in(), n_tokens));
}

void matmul(std::span<const LinearWeight* const> weights, const float* x, std::int64_t n_tokens, std::span<float* const> ys,
            ThreadPool& pool, MatmulScratch& scratch) {
    const std::size_t n_w = weights.size();
    if (n_w == 0 || n_tokens <= 0) return;
    if (n_w > kMaxWeights || ys.size() != n_w) fail("matmul: {} weights and {} outputs (at most {})", n_w, ys.size(), kMaxWeights);
    const std::int64_t n_in = weights[0]->n_in();
    for (const LinearWeight* w : weights)
        if (w->n_in() != n_in) fail("matmul: '{}' has {} columns, the input {}", w->view().name, w->n_in(), n_in);

    // the input in each format the kernels read, converted once
    MatmulScratch::Converted* conv[kMaxWeights];
    for (std::size_t i = 0; i < n_w; ++i) {
        const ActivationFormat f = weights[i]->kernel().activation;
        const std::size_t stride = activation_row_stride(f, n_in);
        MatmulScratch::Converted& c = scratch.converted(f, activation_bytes(f, n_in, n_tokens));
        conv[i] = &c;
        bool done = false;
        for (std::size_t j = 0; j < i; ++j) done = done || conv[j] == &c;
        if (done) continue;
        c.stride = stride;
        std::uint8_t* out = c.bytes.data();
        const int tile = activation_tile_tokens(f);
        auto convert = [&](std::int64_t t0, std::int64_t t1) {
            for (std::int64_t t = t0; t < t1; ++t)
                convert_activation_row(f, x + t * n_in, n_in, out + static_cast<std::size_t>(t / tile) * stride, static_cast<int>(t % tile));
        };
        if (n_tokens < 4) convert(0, n_tokens);  // a token or two: not worth waking the workers
        else pool.parallel_for(n_tokens, convert);
    }

    // work items: groups of rows of every weight, claimed by threads as they go
    std::int64_t first_item[kMaxWeights + 1];
    first_item[0] = 0;
    for (std::size_t i = 0; i < n_w; ++i) {
        const std::int64_t rows = item_rows(*weights[i]);
        first_item[i + 1] = first_item[i] + (weights[i]->n_out() + rows - 1) / rows;
    }
    const std::int64_t items = first_item[n_w];
    const std::int64_t chunk = std::max<std::int64_t>(1, items / (8 * pool.size()));
    std::atomic<std::int64_t> next{0};
    pool.run([&](int, int) {
        GemmTask task{};
        task.n_tokens = n_tokens;
        task.n_in = n_in;
        for (;;) {
            const std::int64_t b = next.fetch_add(chunk, std::memory_order_relaxed);
            if (b >= items) return;
            const std::int64_t e = std::min(items, b + chunk);
            for (std::int64_t it = b; it < e;) {
                std::size_t i = 0;
                while (first_item[i + 1] <= it) ++i;
                const LinearWeight& w = *weights[i];
                const std::int64_t rows = item_rows(w);
                const std::int64_t last = std::min(e, first_item[i + 1]);  // items of this weight in the chunk
                task.type = w.view().type;
                task.weight = w.data();
                task.weight_stride = w.stride();
                task.n_out = w.n_out();
                task.row_begin = (it - first_item[i]) * rows;
                task.row_end = std::min(w.n_out(), (last - first_item[i]) * rows);
                task.act = conv[i]->bytes.data();
                task.act_stride = conv[i]->stride;
                task.y = ys[i];
                task.ldy = w.n_out();
                w.kernel().run(task);
                it = last;
            }
        }
    });
}

void matmul(const LinearWeight& w, const float* x, std::int64_t n_tokens, float* y, ThreadPool& pool, MatmulScratch& scratch) {
    const LinearWeight* ws[] = {&w};
    float* outs[] = {y};
    matmul(ws, x, n_tokens, outs, pool, scratch);
}

void matmul(const TensorView& w, const float* x, std::int64_t n_tokens, float* y, ThreadPool& pool) {
    const LinearWeight lw = n_tokens >= 8 ? LinearWeight(w, &pool, LinearWeight::Source::Memory) : LinearWeight::rows_in_place(w);
    MatmulScratch scratch;
    matmul(lw, x, n_tokens, y, pool, scratch);
}

}  // namespace qforge
