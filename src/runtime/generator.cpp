#include "runtime/generator.h"

#include <algorithm>
#include <chrono>

#include "core/error.h"
#include "runtime/scheduler.h"
#include "runtime/text_stream.h"

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

    // the same engine a server runs, with one slot
    SchedulerOptions so;
    so.parallel = 1;
    so.n_ctx = n_ctx;
    so.max_batch = std::min<std::int64_t>(512, n_ctx);
    so.block_tokens = 256;
    Scheduler scheduler(model, tokenizer, pool, so);

    using clock = std::chrono::steady_clock;
    const auto t0 = clock::now();
    auto t_prompt = t0;
    TextStream text(tokenizer);
    std::string error;
    SequenceRequest req;
    req.prompt = r.prompt_tokens;
    req.max_tokens = std::min<std::int64_t>(o.n_predict, n_ctx - n_prompt);
    req.sampling = o.sampler;
    req.on_event = [&](const SequenceEvent& e) {
        switch (e.kind) {
            case SequenceEvent::Kind::Prompt: t_prompt = clock::now(); break;
            case SequenceEvent::Kind::Token: {
                r.tokens.push_back(e.token.token);
                const std::string piece = text.add(e.token.token);
                r.text += piece;
                if (o.on_piece && !piece.empty()) o.on_piece(piece);
                break;
            }
            case SequenceEvent::Kind::Finished:
                if (e.reason == FinishReason::Error) error = e.message;
                break;
        }
        return true;
    };
    if (req.max_tokens <= 0) {
        r.prompt_seconds = 0.0;
        return r;
    }
    scheduler.submit(std::move(req));
    scheduler.shutdown(true);
    if (!error.empty()) fail("generation failed: {}", error);
    const std::string tail = text.flush();
    r.text += tail;
    if (o.on_piece && !tail.empty()) o.on_piece(tail);
    r.prompt_seconds = std::chrono::duration<double>(t_prompt - t0).count();
    r.generation_seconds = std::chrono::duration<double>(clock::now() - t_prompt).count();
    return r;
}

}  // namespace qforge
