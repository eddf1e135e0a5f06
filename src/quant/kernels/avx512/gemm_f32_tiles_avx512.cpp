// AVX-512 products of F32 weights, their GGUF rows read in place (compiled with AVX-512F alone).
//
// Every (row, token) pair sums 16 lanes with FMA over the columns and reduces them with
// _mm512_reduce_add_ps: the order of vec_dot_avx512 and of llama.cpp's tinyBLAS on the same CPUs, so an F32
// product gives llama.cpp's bits (its perplexities and importance matrices are reproduced exactly). A tile is
// 4 rows by up to 6 tokens (24 accumulators); prompts run in blocks of tokens whose activations stay in L2.
#include <immintrin.h>

#include <algorithm>

#include "quant/kernels/gemm.h"

namespace qforge {
namespace {

template <int R, int N>
void tile(const float* w, std::size_t row_floats, std::int64_t n, const float* const* x, float* const* y) {
    __m512 acc[R][N];
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < N; ++t) acc[r][t] = _mm512_setzero_ps();
    for (std::int64_t i = 0; i < n; i += 16) {
        __m512 wv[R];
        for (int r = 0; r < R; ++r) wv[r] = _mm512_loadu_ps(w + r * row_floats + i);
        for (int t = 0; t < N; ++t) {
            const __m512 xv = _mm512_loadu_ps(x[t] + i);
            for (int r = 0; r < R; ++r) acc[r][t] = _mm512_fmadd_ps(wv[r], xv, acc[r][t]);
        }
    }
    for (int t = 0; t < N; ++t)
        for (int r = 0; r < R; ++r) y[t][r] = _mm512_reduce_add_ps(acc[r][t]);
}

using TileFn = void (*)(const float*, std::size_t, std::int64_t, const float* const*, float* const*);

template <int R>
constexpr TileFn tiles_of[7] = {nullptr, tile<R, 1>, tile<R, 2>, tile<R, 3>, tile<R, 4>, tile<R, 5>, tile<R, 6>};

}  // namespace

void gemm_f32_tiles_avx512(const GemmTask& task) {
    constexpr int kRows = 4, kTokens = 6;
    const std::size_t row_floats = task.weight_stride / sizeof(float);
    const auto* weight = reinterpret_cast<const float*>(task.weight);
    const float* x[kTokens];
    float* y[kTokens];
    // blocks of tokens whose activations stay in L2 (about 1 MiB: F32 weights are streamed once per block, so
    // the larger the block the less memory traffic); each 4-row panel runs every tile of a block
    const std::int64_t block = std::max<std::int64_t>(kTokens, (std::int64_t{1} << 20) / (4 * task.n_in) / kTokens * kTokens);
    for (std::int64_t b0 = 0; b0 < task.n_tokens; b0 += block) {
        const std::int64_t b1 = std::min(task.n_tokens, b0 + block);
        for (std::int64_t r = task.row_begin; r < task.row_end; r += kRows) {
            const int nr = static_cast<int>(std::min<std::int64_t>(kRows, task.row_end - r));
            for (std::int64_t t0 = b0; t0 < b1; t0 += kTokens) {
                const int nt = static_cast<int>(std::min<std::int64_t>(kTokens, b1 - t0));
                for (int t = 0; t < nt; ++t) {
                    x[t] = reinterpret_cast<const float*>(task.act + static_cast<std::size_t>(t0 + t) * task.act_stride);
                    y[t] = task.y + (t0 + t) * task.ldy + r;
                }
                const float* wr = weight + static_cast<std::size_t>(r) * row_floats;
                switch (nr) {
                    case 1: tiles_of<1>[nt](wr, row_floats, task.n_in, x, y); break;
                    case 2: tiles_of<2>[nt](wr, row_floats, task.n_in, x, y); break;
                    case 3: tiles_of<3>[nt](wr, row_floats, task.n_in, x, y); break;
                    default: tiles_of<4>[nt](wr, row_floats, task.n_in, x, y); break;
                }
            }
        }
    }
}

}  // namespace qforge
