#include "quant/kernels/matmul.h"

#include <algorithm>
#include <vector>

#include "core/error.h"
#include "quant/kernels/vec_dot.h"

namespace qforge {

void matmul(const TensorView& w, const float* x, std::int64_t n_tokens, float* y, ThreadPool& pool) {
    if (w.ne.size() != 2) fail("matmul: weight '{}' is not a matrix", w.name);
    const std::int64_t n_in = w.ne[0], n_out = w.ne[1];
    const std::size_t act_bytes = activation_row_bytes(w.type, n_in);
    const std::size_t w_row_bytes = w.data.size() / static_cast<std::size_t>(n_out);
    std::vector<std::uint8_t> act(act_bytes * static_cast<std::size_t>(n_tokens));
    pool.parallel_for(n_tokens, [&](std::int64_t t0, std::int64_t t1) {
        for (std::int64_t t = t0; t < t1; ++t)
            prepare_activations(w.type, x + t * n_in, act.data() + static_cast<std::size_t>(t) * act_bytes, n_in);
    });
    // Tiles of tokens small enough to stay in L1 while this thread's weight rows stream past them.
    constexpr std::int64_t kTokenTile = 16;
    pool.parallel_for(n_out, [&](std::int64_t o0, std::int64_t o1) {
        for (std::int64_t t0 = 0; t0 < n_tokens; t0 += kTokenTile) {
            const std::int64_t t1 = std::min(n_tokens, t0 + kTokenTile);
            for (std::int64_t o = o0; o < o1; ++o) {
                const std::uint8_t* row = w.data.data() + static_cast<std::size_t>(o) * w_row_bytes;
                std::int64_t t = t0;
                for (; t + 4 <= t1; t += 4) {  // four tokens per pass over the weight row
                    const void* x[4];
                    for (int k = 0; k < 4; ++k) x[k] = act.data() + static_cast<std::size_t>(t + k) * act_bytes;
                    float r[4];
                    vec_dot_x4(w.type, row, x, n_in, r);
                    for (int k = 0; k < 4; ++k) y[(t + k) * n_out + o] = r[k];
                }
                for (; t < t1; ++t)
                    y[t * n_out + o] = vec_dot(w.type, row, act.data() + static_cast<std::size_t>(t) * act_bytes, n_in);
            }
        }
    });
}

}  // namespace qforge
