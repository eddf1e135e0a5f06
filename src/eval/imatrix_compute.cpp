#include "eval/imatrix_compute.h"

#include <algorithm>

namespace qforge {

ImatrixComputeResult compute_imatrix(const LlamaModel& model, const Tokenizer& tokenizer, const std::string& text,
                                     const ImatrixComputeOptions& options, ThreadPool& pool) {
    ImatrixCollector collector(options.collect);
    PerplexityOptions pass = options.pass;
    pass.n_batch = std::min(pass.n_batch, pass.n_ctx);  // as llama-imatrix: one pass per chunk when it fits
    pass.matmul_observer = [&collector](const TensorView& w, std::int64_t expert, const float* x, std::int64_t n_rows) {
        collector.observe(w.name, expert, expert >= 0 ? w.ne[2] : 1, x, n_rows, w.ne[0]);
    };
    ImatrixComputeResult r;
    r.perplexity = compute_perplexity(model, tokenizer, text, pass, pool);
    r.imatrix = collector.result({options.dataset}, r.perplexity.n_chunks, pass.n_ctx);
    r.partial = collector.partial();
    return r;
}

}  // namespace qforge
