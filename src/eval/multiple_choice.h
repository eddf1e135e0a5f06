#pragma once
// Log-likelihood scoring of multiple-choice tasks, as llama-perplexity --hellaswag does it: each choice is
// tokenized as context + " " + choice (with BOS); the tokens the choices share are evaluated once; a choice
// scores the log-probabilities of its own tokens. acc_norm picks the best mean log-probability per token
// (llama.cpp's HellaSwag score), acc the best sum (lm-evaluation-harness's acc).
#include <cstdint>
#include <functional>
#include <vector>

#include "core/thread_pool.h"
#include "eval/mc_tasks.h"
#include "model/llama_model.h"
#include "tokenizer/tokenizer.h"

namespace qforge {

struct McOptions {
    std::size_t limit = 0;  // 0: every task
    // llama.cpp draws the tasks in random order (mt19937 seeded 1, without replacement); with a limit this picks
    // which tasks are scored, so keep it to reproduce its figures.
    bool randomize = true;
    bool allow_beyond_training_context = false;  // tasks longer than the model's training context
    // Called after each task with its number (1-based) and the running acc_norm in percent.
    std::function<void(std::size_t, double)> on_task;
};

struct McResult {
    std::size_t tasks = 0;
    double acc = 0, acc_stderr = 0;            // percent
    double acc_norm = 0, acc_norm_stderr = 0;  // percent
};

// The order llama.cpp scores `n_tasks` of `total` tasks in.
std::vector<std::size_t> llama_task_order(std::size_t total, std::size_t n_tasks, bool randomize);

McResult score_multiple_choice(const LlamaModel& model, const Tokenizer& tokenizer, const std::vector<McTask>& tasks,
                               const McOptions& options, ThreadPool& pool);

}  // namespace qforge
