#include "eval/gptq_calibration.h"

#include <algorithm>

#include "core/error.h"
#include "eval/perplexity.h"

namespace qforge {

Calibration collect_hessians(const LlamaModel& model, const Tokenizer& tok, const std::string& text,
                             const CalibrationOptions& o, ThreadPool& pool) {
    if (o.samples < 1) fail("calibration: --calib-samples must be at least 1");
    const auto tokens = tok.encode(text, true, false);
    if (static_cast<std::int64_t>(tokens.size()) < 2 * o.n_ctx)
        fail("calibration: the text has {} tokens, fewer than two samples of {} (shorten --calib-ctx or give more text)",
             tokens.size(), o.n_ctx);
    Calibration c;
    PerplexityOptions p;
    p.n_ctx = o.n_ctx;
    p.n_chunks = o.samples;
    p.n_batch = o.n_ctx;
    p.allow_beyond_training_context = true;
    p.matmul_observer = [&](const TensorView& w, const float* x, std::int64_t rows) {
        if (!(w.name.starts_with("blk.") || (o.include_output && w.name == "output.weight"))) return;
        auto it = c.hessians.find(w.name);
        if (it == c.hessians.end()) it = c.hessians.emplace(w.name, HessianAccumulator(w.ne[0])).first;
        it->second.add(x, rows);
    };
    const PerplexityResult r = compute_perplexity(model, tok, text, p, pool);
    c.samples = r.n_chunks;
    c.tokens = r.n_chunks * o.n_ctx;
    return c;
}

}  // namespace qforge
