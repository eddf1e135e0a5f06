#include "model/moe_forward.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "core/error.h"
#include "model/ops.h"

namespace qforge {
namespace {

std::size_t floats(std::int64_t n) { return static_cast<std::size_t>(n) * sizeof(float); }
std::size_t ints(std::int64_t n) { return static_cast<std::size_t>(n) * sizeof(std::int32_t); }

}  // namespace

std::vector<TensorView> expert_slices(const TensorView& t) {
    if (t.ne.size() != 3) fail("tensor '{}' has shape {} (expected experts' matrices stacked in 3 dimensions)", t.name, shape_string(t.ne));
    const std::size_t bytes = t.data.size() / static_cast<std::size_t>(t.ne[2]);
    std::vector<TensorView> out;
    for (std::int64_t e = 0; e < t.ne[2]; ++e)
        out.push_back(TensorView{t.name, t.type, {t.ne[0], t.ne[1]}, t.data.subspan(static_cast<std::size_t>(e) * bytes, bytes)});
    return out;
}

void route_tokens(float* logits, std::int64_t n_tokens, std::int64_t n_expert, std::int64_t n_used, std::int32_t* selected,
                  float* weights) {
    if (n_expert > kMaxExperts || n_used > n_expert) fail("routing: {} of {} experts (at most {})", n_used, n_expert, kMaxExperts);
    for (std::int64_t t = 0; t < n_tokens; ++t) {
        float* p = logits + t * n_expert;
        softmax(p, n_expert);
        // ggml's argsort (descending) swaps a later element in whenever it is strictly greater: the first n_used
        // places depend on the first n_used passes only.
        std::int32_t* sel = selected + t * n_used;
        std::int32_t order[kMaxExperts];
        for (std::int64_t j = 0; j < n_expert; ++j) order[j] = static_cast<std::int32_t>(j);
        for (std::int64_t j = 0; j < n_used; ++j) {
            for (std::int64_t k = j + 1; k < n_expert; ++k)
                if (p[order[j]] < p[order[k]]) std::swap(order[j], order[k]);
            sel[j] = order[j];
        }
        // the chosen probabilities over their sum (ggml_sum_rows adds in double)
        double sum = 0.0;
        for (std::int64_t j = 0; j < n_used; ++j) sum += static_cast<double>(p[sel[j]]);
        const float s = static_cast<float>(sum);
        for (std::int64_t j = 0; j < n_used; ++j) weights[t * n_used + j] = p[sel[j]] / s;
    }
}

MoeScratch::MoeScratch(std::int64_t T, std::int64_t E, std::int64_t F, std::int64_t n_expert, std::int64_t k)
    : start_(static_cast<std::size_t>(n_expert) + 1), fill_(static_cast<std::size_t>(n_expert)) {
    logits_.reserve(floats(T * n_expert));
    weights_.reserve(floats(T * k));
    selected_.reserve(ints(T * k));
    order_.reserve(ints(T * k));
    rows_.reserve(floats(T * E));
    gate_.reserve(floats(T * F));
    up_.reserve(floats(T * F));
    down_.reserve(floats(T * E));
    slots_.reserve(floats(T * k * E));
}

void moe_ffn(const ExpertWeights& w, const float* xn, std::int64_t T, float* out, ThreadPool& pool, MoeScratch& s,
             MatmulScratch& ms, const MatmulObserver& observer) {
    const std::int64_t n_expert = w.n_expert(), k = w.n_expert_used, E = w.router.n_in();
    if (static_cast<std::int64_t>(s.start_.size()) != n_expert + 1) fail("internal error: expert scratch for {} experts", s.start_.size() - 1);
    float *logits = s.logits_.as<float>(), *weights = s.weights_.as<float>(), *slots = s.slots_.as<float>();
    std::int32_t *selected = s.selected_.as<std::int32_t>(), *order = s.order_.as<std::int32_t>();

    if (observer) observer(w.router.view(), -1, xn, T);
    matmul(w.router, xn, T, logits, pool, ms);
    route_tokens(logits, T, n_expert, k, selected, weights);

    // (token, place) slots grouped by expert; within an expert by place, then token (llama-imatrix's order)
    std::fill(s.start_.begin(), s.start_.end(), 0);
    for (std::int64_t i = 0; i < T * k; ++i) ++s.start_[static_cast<std::size_t>(selected[i]) + 1];
    for (std::int64_t e = 0; e < n_expert; ++e) s.start_[static_cast<std::size_t>(e) + 1] += s.start_[static_cast<std::size_t>(e)];
    std::copy(s.start_.begin(), s.start_.end() - 1, s.fill_.begin());
    for (std::int64_t j = 0; j < k; ++j)
        for (std::int64_t t = 0; t < T; ++t) {
            const std::int64_t i = t * k + j;
            order[s.fill_[static_cast<std::size_t>(selected[i])]++] = static_cast<std::int32_t>(i);
        }

    float *rows = s.rows_.as<float>(), *gate = s.gate_.as<float>(), *up = s.up_.as<float>(), *down = s.down_.as<float>();
    for (std::int64_t e = 0; e < n_expert; ++e) {
        const std::int64_t b = s.start_[static_cast<std::size_t>(e)], n = s.start_[static_cast<std::size_t>(e) + 1] - b;
        const std::int64_t F = w.gate[static_cast<std::size_t>(e)].n_out();
        for (std::int64_t r = 0; r < n; ++r) std::memcpy(rows + r * E, xn + (order[b + r] / k) * E, floats(E));
        if (observer) {
            observer(*w.up_stacked, e, rows, n);
            observer(*w.gate_stacked, e, rows, n);
        }
        if (n == 0) {
            if (observer) observer(*w.down_stacked, e, gate, 0);
            continue;
        }
        const LinearWeight* gu[] = {&w.gate[static_cast<std::size_t>(e)], &w.up[static_cast<std::size_t>(e)]};
        float* ys[] = {gate, up};
        matmul(gu, rows, n, ys, pool, ms);
        swiglu(gate, up, gate, n * F);
        if (observer) observer(*w.down_stacked, e, gate, n);
        matmul(w.down[static_cast<std::size_t>(e)], gate, n, down, pool, ms);
        for (std::int64_t r = 0; r < n; ++r) {
            const std::int64_t slot = order[b + r];
            const float wt = weights[slot];
            float* dst = slots + slot * E;
            for (std::int64_t i = 0; i < E; ++i) dst[i] = down[r * E + i] * wt;
        }
    }
    // each token's experts added in their order (ggml adds the views one after another)
    for (std::int64_t t = 0; t < T; ++t) {
        float* o = out + t * E;
        std::memcpy(o, slots + t * k * E, floats(E));
        for (std::int64_t j = 1; j < k; ++j) add_in_place(o, slots + (t * k + j) * E, E);
    }
}

}  // namespace qforge
