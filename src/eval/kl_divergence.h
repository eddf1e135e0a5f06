#pragma once
// KL-divergence of a model against base log-probabilities saved by `perplexity --kl-divergence-base`, with
// llama-perplexity's statistics and its output lines (per-chunk table, then "Mean    KLD:", "Same top p:" ...),
// so scripts written for llama.cpp read ours.
#include <cstdint>
#include <functional>
#include <string>

#include "core/thread_pool.h"
#include "eval/logits_file.h"
#include "model/llama_model.h"
#include "tokenizer/tokenizer.h"

namespace qforge {

struct KldSummary {
    double ppl = 0, ppl_error = 0, ppl_base = 0, ppl_base_error = 0;
    double mean_kld = 0, mean_kld_error = 0, max_kld = 0;
    double same_top = 0, rms_dp = 0;  // fractions
    std::int64_t count = 0;
};

// Every line llama.cpp prints goes to `out` (without the newline).
KldSummary compute_kl_divergence(const LlamaModel& model, const Tokenizer& tokenizer, const LogitsFileReader& base,
                                 ThreadPool& pool, const std::function<void(const std::string&)>& out);

}  // namespace qforge
