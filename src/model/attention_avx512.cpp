// AVX-512 attention for one kv head and a block of tokens (attention.h). Compiled with AVX-512F alone.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "model/attention.h"
#include "model/exp_avx512.h"
#include "model/ops.h"

namespace qforge {
namespace {

std::int64_t round16(std::int64_t n) { return (n + 15) / 16 * 16; }

inline __m512 round_fp16(__m512 v) { return _mm512_cvtph_ps(_mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)); }

// Scores of R query rows (rows of hd floats) against keys [0, n) of the transposed keys kt (hd rows of ldk).
template <int R>
void scores(const float* q, std::int64_t hd, const float* kt, std::int64_t ldk, std::int64_t n, float scale, float* s,
            std::int64_t lds) {
    const __m512 sc = _mm512_set1_ps(scale);
    for (std::int64_t j = 0; j < n; j += 16) {
        __m512 acc[R];
        for (int i = 0; i < R; ++i) acc[i] = _mm512_setzero_ps();
        for (std::int64_t d = 0; d < hd; ++d) {
            const __m512 k = _mm512_loadu_ps(kt + d * ldk + j);
            for (int i = 0; i < R; ++i) acc[i] = _mm512_fmadd_ps(_mm512_set1_ps(q[i * hd + d]), k, acc[i]);
        }
        for (int i = 0; i < R; ++i) _mm512_storeu_ps(s + i * lds + j, _mm512_mul_ps(acc[i], sc));
    }
}

// softmax over s[0, n), zeros on [n, padded); probabilities rounded to fp16.
void softmax_row(float* s, std::int64_t n, std::int64_t padded) {
    if (n <= 0) return;
    __m512 m = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
    std::int64_t j = 0;
    for (; j + 16 <= n; j += 16) m = _mm512_max_ps(m, _mm512_loadu_ps(s + j));
    const __mmask16 tail = static_cast<__mmask16>((1u << (n - j)) - 1);
    if (j < n) m = _mm512_max_ps(m, _mm512_mask_loadu_ps(m, tail, s + j));
    const __m512 max = _mm512_set1_ps(_mm512_reduce_max_ps(m));
    __m512 sum = _mm512_setzero_ps();
    for (j = 0; j + 16 <= n; j += 16) {
        const __m512 e = exp_avx512(_mm512_sub_ps(_mm512_loadu_ps(s + j), max));
        _mm512_storeu_ps(s + j, e);
        sum = _mm512_add_ps(sum, e);
    }
    if (j < n) {
        const __m512 e = _mm512_maskz_mov_ps(tail, exp_avx512(_mm512_sub_ps(_mm512_maskz_loadu_ps(tail, s + j), max)));
        _mm512_storeu_ps(s + j, e);
        sum = _mm512_add_ps(sum, e);
        j += 16;
    }
    for (; j < padded; j += 16) _mm512_storeu_ps(s + j, _mm512_setzero_ps());
    const __m512 inv = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(sum));
    for (j = 0; j < n; j += 16) _mm512_storeu_ps(s + j, round_fp16(_mm512_mul_ps(_mm512_loadu_ps(s + j), inv)));
}

// out rows (hd floats each, out_stride apart) = sum over keys j < n of p[i][j] * v[j], for R rows.
template <int R, int C>
void weighted_values(const float* p, std::int64_t lds, const float* v, std::int64_t n, float* const* out) {
    __m512 acc[R][C];
    for (int i = 0; i < R; ++i)
        for (int c = 0; c < C; ++c) acc[i][c] = _mm512_setzero_ps();
    for (std::int64_t j = 0; j < n; ++j) {
        __m512 vj[C];
        for (int c = 0; c < C; ++c) vj[c] = _mm512_loadu_ps(v + j * 16 * C + 16 * c);
        for (int i = 0; i < R; ++i) {
            const __m512 pj = _mm512_set1_ps(p[i * lds + j]);
            for (int c = 0; c < C; ++c) acc[i][c] = _mm512_fmadd_ps(pj, vj[c], acc[i][c]);
        }
    }
    for (int i = 0; i < R; ++i)
        for (int c = 0; c < C; ++c) _mm512_storeu_ps(out[i] + 16 * c, acc[i][c]);
}

template <int C>
void values_for_rows(const float* s, std::int64_t lds, const float* v, const std::int64_t* limit, std::int64_t rows, float* const* out) {
    constexpr int R = std::max(1, 16 / C);  // R * C accumulators
    std::int64_t r = 0;
    for (; r + R <= rows; r += R) {
        std::int64_t n = 0;
        for (int i = 0; i < R; ++i) n = std::max(n, limit[r + i]);
        weighted_values<R, C>(s + r * lds, lds, v, n, out + r);
    }
    for (; r < rows; ++r) weighted_values<1, C>(s + r * lds, lds, v, limit[r], out + r);
}

}  // namespace

bool attention_avx512_usable(const AttentionShape& s) {
    const std::int64_t c = s.head_dim / 16;
    return s.head_dim % 16 == 0 && (c <= 8 || c == 12 || c == 16) && s.n_head / s.n_head_kv <= 256;
}

std::size_t attention_avx512_scratch_floats(const AttentionShape& s, std::int64_t n_ctx, std::int64_t rows) {
    const std::int64_t ldk = round16(n_ctx) + 16;
    // transposed keys, values, scores, queries
    return static_cast<std::size_t>(s.head_dim * ldk + ldk * s.head_dim + rows * ldk + rows * s.head_dim + 64);
}

void attention_avx512_item(const AttentionShape& s, const KvPool& kv, std::int64_t layer, KvTable table, std::int64_t pos0,
                           std::int64_t kvh, std::int64_t t0, std::int64_t t1, const float* q, float* out, float* scratch,
                           std::int64_t scratch_ctx) {
    const std::int64_t hd = s.head_dim, group = s.n_head / s.n_head_kv, rows = (t1 - t0) * group;
    // keys from the first any of the block's tokens sees (its first token's window) to the last token's position
    const std::int64_t base = s.first_key(pos0);
    const std::int64_t n_keys = pos0 + (t1 - t0) - base, ldk = round16(scratch_ctx) + 16;
    float* kt = scratch;
    float* v = kt + hd * ldk;
    float* sc = v + ldk * hd;
    float* qr = sc + rows * ldk;

    // the keys transposed and the values, as floats, for every position the block's last token sees
    for (std::int64_t j = 0; j < n_keys; ++j) {
        const std::uint16_t* kj = kv.k_at(layer, table, base + j) + kvh * hd;
        const std::uint16_t* vj = kv.v_at(layer, table, base + j) + kvh * hd;
        for (std::int64_t d = 0; d < hd; d += 16) {
            alignas(64) float tmp[16];
            _mm512_store_ps(tmp, _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(kj + d))));
            for (int i = 0; i < 16; ++i) kt[(d + i) * ldk + j] = tmp[i];
            _mm512_storeu_ps(v + j * hd + d, _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(vj + d))));
        }
    }
    const std::int64_t padded = round16(n_keys);
    for (std::int64_t d = 0; d < hd; ++d)
        for (std::int64_t j = n_keys; j < padded; ++j) kt[d * ldk + j] = 0.0f;

    // query rows: token-major, the group's heads within; scaled where the family scales queries, rounded to fp16
    const __m512 qscale = _mm512_set1_ps(s.query_scale());
    // keys [lo, limit) of each row, counted from base; rows <= 256: usable() bounds the group, items hold at most
    // 64 rows otherwise
    std::int64_t limit[256], lo[256];
    float* outs[256];
    for (std::int64_t r = 0; r < rows; ++r) {
        const std::int64_t t = t0 + r / group, h = kvh * group + r % group;
        const float* src = q + (t * s.n_head + h) * hd;
        for (std::int64_t d = 0; d < hd; d += 16) _mm512_storeu_ps(qr + r * hd + d, round_fp16(_mm512_mul_ps(_mm512_loadu_ps(src + d), qscale)));
        limit[r] = pos0 + (t - t0) + 1 - base;
        lo[r] = s.first_key(pos0 + (t - t0)) - base;
        outs[r] = out + (t * s.n_head + h) * hd;
    }

    const float scale = s.score_scale();
    std::int64_t r = 0;
    for (; r + 4 <= rows; r += 4) scores<4>(qr + r * hd, hd, kt, ldk, round16(limit[r + 3]), scale, sc + r * ldk, ldk);
    for (; r < rows; ++r) scores<1>(qr + r * hd, hd, kt, ldk, round16(limit[r]), scale, sc + r * ldk, ldk);
    for (r = 0; r < rows; ++r) {
        // a window's row: softmax over its own keys, zeros before them (the values' sums then skip nothing)
        float* row = sc + r * ldk;
        if (s.softcap > 0.0f) soft_cap(row + lo[r], limit[r] - lo[r], s.softcap);
        softmax_row(row + lo[r], limit[r] - lo[r], round16(limit[rows - 1]) - lo[r]);
        std::fill(row, row + lo[r], 0.0f);
    }

    switch (hd / 16) {
        case 1: values_for_rows<1>(sc, ldk, v, limit, rows, outs); break;
        case 2: values_for_rows<2>(sc, ldk, v, limit, rows, outs); break;
        case 3: values_for_rows<3>(sc, ldk, v, limit, rows, outs); break;
        case 4: values_for_rows<4>(sc, ldk, v, limit, rows, outs); break;
        case 5: values_for_rows<5>(sc, ldk, v, limit, rows, outs); break;
        case 6: values_for_rows<6>(sc, ldk, v, limit, rows, outs); break;
        case 7: values_for_rows<7>(sc, ldk, v, limit, rows, outs); break;
        case 8: values_for_rows<8>(sc, ldk, v, limit, rows, outs); break;
        case 12: values_for_rows<12>(sc, ldk, v, limit, rows, outs); break;
        case 16: values_for_rows<16>(sc, ldk, v, limit, rows, outs); break;
        default: values_for_rows<1>(sc, ldk, v, limit, rows, outs); break;  // unreachable: usable() limits head sizes
    }
}

}  // namespace qforge
