#pragma once
// The generation loop: the prompt is evaluated as one batch, then one token at a time is sampled, fed back
// and streamed out as text, until n_predict tokens, an end-of-generation token or the context's end.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "model/llama_model.h"
#include "runtime/sampler.h"
#include "tokenizer/tokenizer.h"

namespace qforge {

struct GenerationOptions {
    std::int64_t n_predict = 128;
    std::int64_t n_ctx = 0;  // 0: the model's training context, at most 4096
    bool allow_beyond_training_context = false;
    SamplerOptions sampler;
    std::function<void(const std::string& piece)> on_piece;  // streamed text
};

struct GenerationResult {
    std::vector<std::int32_t> prompt_tokens, tokens;  // generated tokens
    std::string text;                                 // generated text
    double prompt_seconds = 0.0, generation_seconds = 0.0;
};

GenerationResult generate(const LlamaModel& model, const Tokenizer& tokenizer, const std::string& prompt,
                          const GenerationOptions& options, ThreadPool& pool);

}  // namespace qforge
