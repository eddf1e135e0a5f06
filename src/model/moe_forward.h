#pragma once
// The feed-forward block of a mixture-of-experts layer over a batch of tokens, as llama.cpp's build_moe_ffn
// computes it:
//
//   p = softmax(xn Wrouter)                      one probability per expert
//   S = the top n_expert_used of p               (ggml's argsort order)
//   w_j = p_j / sum_{i in S} p_i                 the chosen ones renormalised
//   out = sum_{j in S, in order} w_j * ((silu(xn Wgate_j) * xn Wup_j) Wdown_j)
//
// Tokens are grouped by expert so that each expert's matrices run once over all the rows routed to them.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/tensor_view.h"
#include "core/thread_pool.h"
#include "model/matmul_observer.h"
#include "quant/kernels/linear_weight.h"
#include "quant/kernels/matmul.h"

namespace qforge {

// A layer's experts as the forward pass reads them: the router and each expert's matrices (views of the
// stacked tensors' slices, which expert_views owns).
struct ExpertWeights {
    LinearWeight router;
    const TensorView *gate_stacked = nullptr, *up_stacked = nullptr, *down_stacked = nullptr;  // what observers see
    std::shared_ptr<const std::vector<TensorView>> views;
    std::vector<LinearWeight> gate, up, down;
    std::int64_t n_expert_used = 0;
    std::int64_t n_expert() const { return static_cast<std::int64_t>(gate.size()); }
};

// The experts' matrices of a stacked tensor (ne = {n_in, n_out, n_expert}) as 2-D views, expert by expert.
std::vector<TensorView> expert_slices(const TensorView& stacked);

inline constexpr std::int64_t kMaxExperts = 4096;

// Which experts each token uses and with what weight: selected/weights hold n_expert_used per token, in
// ggml_top_k's order (highest probability first; among equals, as ggml's argsort leaves them). logits:
// n_expert per token, overwritten with the softmax.
void route_tokens(float* logits, std::int64_t n_tokens, std::int64_t n_expert, std::int64_t n_used, std::int32_t* selected,
                  float* weights);

class MoeScratch {
public:
    MoeScratch() = default;
    MoeScratch(std::int64_t max_tokens, std::int64_t n_embd, std::int64_t n_ff_exp, std::int64_t n_expert, std::int64_t n_used);

private:
    friend void moe_ffn(const ExpertWeights&, const float*, std::int64_t, float*, ThreadPool&, MoeScratch&, MatmulScratch&,
                        const MatmulObserver&);
    AlignedBuffer logits_, weights_, selected_, order_, rows_, gate_, up_, down_, slots_;
    std::vector<std::int64_t> start_, fill_;
};

// xn: n_tokens rows of n_embd (the normed input); out: n_tokens rows of n_embd, the block's output. The
// observer sees the router's input and each expert's (matmul_observer.h), in llama.cpp's order: router, up, gate,
// down.
void moe_ffn(const ExpertWeights& w, const float* xn, std::int64_t n_tokens, float* out, ThreadPool& pool, MoeScratch& s,
             MatmulScratch& matmul_scratch, const MatmulObserver& observer = {});

}  // namespace qforge
