// AVX-512 products of F16 and BF16 weights in 32-row panels (repack_panels.h) with f32 activations rounded
// through fp16 / bf16, as llama.cpp converts them, and of F32 weights in the same panels with f32 activations
// as they are. Compiled with AVX-512F alone.
//
// Outer products: for each column k, the panel's 32 values (two registers, widened from half precision) are
// multiplied by each token's activation, broadcast, into per-row accumulators with FMA. Each row therefore
// sums in column order with fused multiply-adds, exactly as the scalar reference does: the same bits. A tile
// is one panel by up to 8 tokens for prompts (16 accumulators; the panel is read from cache once per 8
// tokens), two panels by up to 3 tokens for decode (four or more independent FMA chains).
#include <immintrin.h>

#include <algorithm>

#include "quant/kernels/gemm.h"
#include "quant/kernels/repack_panels.h"

namespace qforge {
namespace {

enum class Src { F32, F16, BF16 };

template <Src S>
inline void load_column(const std::uint8_t* panel, std::int64_t k, __m512& lo, __m512& hi) {
    if constexpr (S == Src::F32) {
        const float* p = reinterpret_cast<const float*>(panel) + k * kPanelRows;
        lo = _mm512_loadu_ps(p);
        hi = _mm512_loadu_ps(p + 16);
        return;
    }
    const auto* p = reinterpret_cast<const __m256i*>(reinterpret_cast<const std::uint16_t*>(panel) + k * kPanelRows);
    const __m256i a = _mm256_loadu_si256(p), b = _mm256_loadu_si256(p + 1);
    if constexpr (S == Src::F16) {
        lo = _mm512_cvtph_ps(a);
        hi = _mm512_cvtph_ps(b);
    } else {
        lo = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(a), 16));
        hi = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(b), 16));
    }
}

// P panels (P * 32 rows) by N tokens; rows[p] masks the valid rows of panel p (two 16-row halves).
template <Src S, int P, int N>
void tile(const std::uint8_t* panel, std::size_t panel_stride, std::int64_t n, const float* const* x, float* const* y,
          const __mmask16 (*rows)[2]) {
    __m512 acc[P][2][N];
    for (int p = 0; p < P; ++p)
        for (int t = 0; t < N; ++t) acc[p][0][t] = acc[p][1][t] = _mm512_setzero_ps();
    for (std::int64_t k = 0; k < n; ++k) {
        __m512 w[P][2];
        for (int p = 0; p < P; ++p) load_column<S>(panel + static_cast<std::size_t>(p) * panel_stride, k, w[p][0], w[p][1]);
        for (int t = 0; t < N; ++t) {
            const __m512 xv = _mm512_set1_ps(x[t][k]);
            for (int p = 0; p < P; ++p) {
                acc[p][0][t] = _mm512_fmadd_ps(w[p][0], xv, acc[p][0][t]);
                acc[p][1][t] = _mm512_fmadd_ps(w[p][1], xv, acc[p][1][t]);
            }
        }
    }
    for (int t = 0; t < N; ++t)
        for (int p = 0; p < P; ++p) {
            _mm512_mask_storeu_ps(y[t] + p * kPanelRows, rows[p][0], acc[p][0][t]);
            _mm512_mask_storeu_ps(y[t] + p * kPanelRows + 16, rows[p][1], acc[p][1][t]);
        }
}

using TileFn = void (*)(const std::uint8_t*, std::size_t, std::int64_t, const float* const*, float* const*, const __mmask16 (*)[2]);

template <Src S, int P>
constexpr TileFn tiles_of[9] = {nullptr, tile<S, P, 1>, tile<S, P, 2>, tile<S, P, 3>, tile<S, P, 4>,
                                tile<S, P, 5>, tile<S, P, 6>, tile<S, P, 7>, tile<S, P, 8>};

void row_masks(std::int64_t valid, __mmask16* m) {
    m[0] = valid >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << std::max<std::int64_t>(valid, 0)) - 1);
    m[1] = valid >= 32 ? 0xFFFF : valid <= 16 ? 0 : static_cast<__mmask16>((1u << (valid - 16)) - 1);
}

template <Src S>
void run(const GemmTask& task) {
    constexpr int kTokens = 8;
    const float* x[kTokens];
    float* y[kTokens];
    const std::int64_t first = task.row_begin / kPanelRows, last = (task.row_end + kPanelRows - 1) / kPanelRows;
    auto panel_at = [&](std::int64_t g) { return task.weight + static_cast<std::size_t>(g) * task.weight_stride; };
    auto masks_of = [&](std::int64_t g, __mmask16* m) { row_masks(task.row_end - g * kPanelRows, m); };
    if (task.n_tokens < 4) {  // decode: two panels at a time, every weight read once
        const int nt = static_cast<int>(task.n_tokens);
        for (int t = 0; t < nt; ++t) x[t] = reinterpret_cast<const float*>(task.act + static_cast<std::size_t>(t) * task.act_stride);
        for (std::int64_t g = first; g < last; g += 2) {
            const int P = g + 1 < last ? 2 : 1;
            __mmask16 m[2][2];
            masks_of(g, m[0]);
            if (P == 2) masks_of(g + 1, m[1]);
            for (int t = 0; t < nt; ++t) y[t] = task.y + t * task.ldy + g * kPanelRows;
            if (P == 2) tiles_of<S, 2>[nt](panel_at(g), task.weight_stride, task.n_in, x, y, m);
            else tiles_of<S, 1>[nt](panel_at(g), task.weight_stride, task.n_in, x, y, m);
        }
        return;
    }
    // prompts: blocks of tokens whose activations stay in L2 (about 512 KiB of them); within a block, a panel
    // stays in cache while every token tile runs on it
    const std::int64_t block = std::max<std::int64_t>(kTokens, (std::int64_t{512} << 10) / (4 * task.n_in) / kTokens * kTokens);
    for (std::int64_t b0 = 0; b0 < task.n_tokens; b0 += block) {
        const std::int64_t b1 = std::min(task.n_tokens, b0 + block);
        for (std::int64_t g = first; g < last; ++g) {
            __mmask16 m[1][2];
            masks_of(g, m[0]);
            for (std::int64_t t0 = b0; t0 < b1; t0 += kTokens) {
                const int nt = static_cast<int>(std::min<std::int64_t>(kTokens, b1 - t0));
                for (int t = 0; t < nt; ++t) {
                    x[t] = reinterpret_cast<const float*>(task.act + static_cast<std::size_t>(t0 + t) * task.act_stride);
                    y[t] = task.y + (t0 + t) * task.ldy + g * kPanelRows;
                }
                tiles_of<S, 1>[nt](panel_at(g), task.weight_stride, task.n_in, x, y, m);
            }
        }
    }
}

}  // namespace

void gemm_float_avx512(TensorType w, const GemmTask& task) {
    switch (w) {
        case TensorType::F32: run<Src::F32>(task); return;
        case TensorType::F16: run<Src::F16>(task); return;
        case TensorType::BF16: run<Src::BF16>(task); return;
        default: return;
    }
}

}  // namespace qforge
