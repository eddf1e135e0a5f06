#include "eval/perplexity.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "eval/logits_file.h"
#include "model/llama_session.h"

#include <memory>

namespace qforge {

double log_softmax_at(const float* logits, std::int64_t n_vocab, std::int32_t token) {
    float max = logits[0];
    for (std::int64_t i = 1; i < n_vocab; ++i) max = std::max(max, logits[i]);
    double sum = 0.0;
    for (std::int64_t i = 0; i < n_vocab; ++i) sum += std::exp(static_cast<double>(logits[i] - max));
    return static_cast<double>(logits[token] - max) - std::log(sum);
}

PerplexityResult compute_perplexity(const LlamaModel& model, const Tokenizer& tokenizer, const std::string& text,
                                    const PerplexityOptions& o, ThreadPool& pool) {
    const std::int64_t n_ctx = o.n_ctx;
    if (n_ctx < 4) fail("perplexity: context size {} is too small", n_ctx);
    if (o.n_batch < 1) fail("perplexity: batch size must be positive, not {}", o.n_batch);
    if (n_ctx > model.hparams().n_ctx_train && !o.allow_beyond_training_context)
        fail("perplexity: context size {} is beyond the {} tokens the model was trained on (use a smaller -c, or "
             "--no-ctx-check to evaluate anyway)", n_ctx, model.hparams().n_ctx_train);
    std::vector<std::int32_t> tokens = tokenizer.encode(text, true, false);
    if (static_cast<std::int64_t>(tokens.size()) < 2 * n_ctx)
        fail("perplexity: you need at least {} tokens to evaluate perplexity with a context of {} (the text has {})",
             2 * n_ctx, n_ctx, tokens.size());
    const std::int64_t n_max = static_cast<std::int64_t>(tokens.size()) / n_ctx;
    const std::int64_t n_chunks = o.n_chunks < 0 ? n_max : std::min(o.n_chunks, n_max);
    const std::int64_t first = n_ctx / 2;
    const std::int64_t n_vocab = model.hparams().n_vocab;
    const auto bos = tokenizer.bos();
    const bool add_bos = tokenizer.adds_bos();

    std::unique_ptr<LogitsFileWriter> base;
    std::vector<std::uint16_t> entries;
    const std::int64_t words = logits_entry_words(n_vocab);
    if (!o.kl_base_path.empty()) {
        base = std::make_unique<LogitsFileWriter>(o.kl_base_path, static_cast<std::int32_t>(n_ctx),
                                                  static_cast<std::int32_t>(n_vocab), static_cast<std::int32_t>(n_chunks),
                                                  std::span(tokens.data(), static_cast<std::size_t>(n_chunks * n_ctx)));
        entries.resize(static_cast<std::size_t>((n_ctx - 1 - first) * words));
    }
    LlamaSession session(model, n_ctx, pool);
    if (o.matmul_observer) session.set_matmul_observer(o.matmul_observer);
    std::vector<float> logits;
    double nll = 0.0, nll2 = 0.0;
    std::int64_t count = 0;
    for (std::int64_t c = 0; c < n_chunks; ++c) {
        std::vector<std::int32_t> chunk(tokens.begin() + c * n_ctx, tokens.begin() + (c + 1) * n_ctx);
        if (add_bos) chunk[0] = *bos;
        session.reset();
        logits.clear();
        std::vector<float> part;
        for (std::int64_t b = 0; b < n_ctx; b += o.n_batch) {
            const std::int64_t len = std::min(o.n_batch, n_ctx - b);
            session.decode(std::span(chunk.data() + b, static_cast<std::size_t>(len)), true, part);
            logits.insert(logits.end(), part.begin(), part.end());
        }
        for (std::int64_t i = first; i < n_ctx - 1; ++i) {
            const float* row = logits.data() + i * n_vocab;
            const std::int32_t next = tokens[static_cast<std::size_t>(c * n_ctx + i + 1)];
            const double v = base ? encode_log_probs(row, n_vocab, next, entries.data() + (i - first) * words)
                                  : -log_softmax_at(row, n_vocab, next);
            nll += v;
            nll2 += v * v;
        }
        if (base) base->append(entries);
        count += n_ctx - 1 - first;
        if (o.on_chunk) o.on_chunk(c + 1, std::exp(nll / static_cast<double>(count)));
    }
    if (base) base->finish();
    PerplexityResult r;
    r.n_chunks = n_chunks;
    r.n_scored = count;
    r.n_tokens = static_cast<std::int64_t>(tokens.size());
    const double mean = nll / static_cast<double>(count);
    r.ppl = std::exp(mean);
    const double var = nll2 / static_cast<double>(count) - mean * mean;
    r.ppl_error = var > 0.0 && count > 1 ? std::sqrt(var / static_cast<double>(count - 1)) * r.ppl : 0.0;
    return r;
}

}  // namespace qforge
