#include "quant/kernels/matmul.h"

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
    pool.parallel_for(n_out, [&](std::int64_t o0, std::int64_t o1) {
        for (std::int64_t o = o0; o < o1; ++o) {
            const std::uint8_t* row = w.data.data() + static_cast<std::size_t>(o) * w_row_bytes;
            for (std::int64_t t = 0; t < n_tokens; ++t)
                y[t * n_out + o] = vec_dot(w.type, row, act.data() + static_cast<std::size_t>(t) * act_bytes, n_in);
        }
    });
}

}  // namespace qforge
