#pragma once
// Requests through the continuous-batching scheduler for tests: running a set of them together and collecting
// what each got, greedy requests from a list of code-like prompts, and the check every model must pass: a greedy
// request gives the same tokens and log-probabilities (bit for bit) alone and among others.
#include <cstdint>
#include <vector>

#include "model/llama_model.h"
#include "runtime/scheduler.h"
#include "tokenizer/tokenizer.h"

namespace qforge::test {

struct Outcome {
    std::vector<std::int32_t> tokens;
    std::vector<float> logprobs;
    std::int64_t cached = -1;
    std::vector<TokenLogprob> prompt_logprobs;
    FinishReason reason = FinishReason::Error;
};

// Runs the requests on one scheduler (all submitted before any finishes) and collects their outcomes.
std::vector<Outcome> run_all(Scheduler& s, const std::vector<SequenceRequest>& requests);

// n greedy requests of max_tokens tokens each (EOS ignored), from 16 prompts (padded with spaces past 16).
std::vector<SequenceRequest> greedy_requests(const Tokenizer& tok, int n, std::int64_t max_tokens);

// The n requests one at a time (one slot), then all at once (n slots, steps of max_batch tokens, so prompts split
// over steps beside other sequences' decode tokens): each gets the same tokens and log-probabilities.
void expect_batched_equals_alone(const LlamaModel& model, const Tokenizer& tok, int n, std::int64_t max_tokens, std::int64_t n_ctx,
                                 std::int64_t max_batch = 37);

}  // namespace qforge::test
