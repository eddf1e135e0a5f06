#include "runtime/generator.h"

#include <algorithm>
#include <chrono>

#include "core/error.h"
#include "model/llama_session.h"

namespace qforge {

GenerationResult generate(const LlamaModel& model, const Tokenizer& tokenizer, const std::string& prompt,
                          const GenerationOptions& o, ThreadPool& pool) {
    if (prompt.empty()) fail("the prompt is empty");
    GenerationResult r;
    r.prompt_tokens = tokenizer.encode(prompt, true, true);
    const std::int64_t n_ctx = o.n_ctx > 0 ? o.n_ctx : std::min<std::int64_t>(model.hparams().n_ctx_train, 4096);
    if (n_ctx > model.hparams().n_ctx_train && !o.allow_beyond_training_context)
        fail("context size {} is beyond the {} tokens the model was trained on (use a smaller -c, or --no-ctx-check)",
             n_ctx, model.hparams().n_ctx_train);
    const std::int64_t n_prompt = static_cast<std::int64_t>(r.prompt_tokens.size());
    if (n_prompt >= n_ctx)
        fail("the prompt has {} tokens, more than the context of {} allows (raise -c)", n_prompt, n_ctx);

    LlamaSession session(model, n_ctx, pool);
    Sampler sampler(o.sampler);
    std::vector<float> logits;
    using clock = std::chrono::steady_clock;
    auto t0 = clock::now();
    session.decode(r.prompt_tokens, false, logits);
    r.prompt_seconds = std::chrono::duration<double>(clock::now() - t0).count();

    t0 = clock::now();
    for (std::int64_t i = 0; i < o.n_predict && session.n_past() < n_ctx; ++i) {
        const std::int32_t next = sampler.sample(logits.data(), model.hparams().n_vocab);
        if (tokenizer.is_end_of_generation(next)) break;
        r.tokens.push_back(next);
        const std::string piece = tokenizer.piece(next);
        r.text += piece;
        if (o.on_piece) o.on_piece(piece);
        if (i + 1 == o.n_predict || session.n_past() >= n_ctx) break;
        const std::int32_t one[] = {next};
        session.decode(one, false, logits);
    }
    r.generation_seconds = std::chrono::duration<double>(clock::now() - t0).count();
    return r;
}

}  // namespace qforge
