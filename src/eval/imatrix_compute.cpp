#include "eval/imatrix_compute.h"

#include <algorithm>

namespace qforge {

ImatrixComputeResult compute_imatrix(const LlamaModel& model, const Tokenizer& tokenizer, const std::string& text,
                                     const ImatrixComputeOptions& options, ThreadPool& pool) {
    ImatrixCollector collector(options.collect);
    PerplexityOptions pass = options.pass;
    pass.n_batch = std::min(pass.n_batch, pass.n_ctx);  // as llama-imatrix: one pass per chunk when it fits
    pass.matmul_observer = [&collector](const TensorView& w, const float* x, std::int64_t n_tokens) {
        collector.observe(w.name, x, n_tokens, w.ne[0]);
    };
    ImatrixComputeResult r;
    r.perplexity = compute_perplexity(model, tokenizer, text, pass, pool);
    r.imatrix = collector.result({options.dataset}, r.perplexity.n_chunks, pass.n_ctx);
    return r;
}

}  // namespace qforge
