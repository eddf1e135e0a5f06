#pragma once
// Continuous batching: many sequences share one model, one KV block pool and one thread pool. Requests wait in
// a queue; up to `parallel` of them run at once, each in a slot. Every engine step takes one token of each
// generating sequence and, with the rest of the step's token budget, chunks of the prompts being prefilled (so
// a long prompt does not stall the streams already running); a request that arrives while others decode joins
// at the next step. A new prompt that starts with tokens whose keys and values are still in the pool (from any
// slot, running or finished) skips recomputing them (kv_blocks.h).
//
// A sequence's results do not depend on what else is in the batch (every row of the forward pass is computed
// the same whichever rows surround it), so a greedy request gives the same tokens alone or among many.
//
// Events reach each request's callback on the engine thread, in order; a callback that returns false cancels its
// request (a client that went away), which frees its slot before the next step.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/thread_pool.h"
#include "model/batch_forward.h"
#include "model/llama_model.h"
#include "runtime/kv_blocks.h"
#include "runtime/logprobs.h"
#include "runtime/sampler.h"
#include "tokenizer/tokenizer.h"

namespace qforge {

enum class FinishReason { Stop, Length, Cancelled, Error };
const char* finish_reason_name(FinishReason r);  // "stop", "length", "cancelled", "error"

struct SequenceEvent {
    enum class Kind {
        Prompt,    // the prompt is in the cache: cached_tokens were reused, prompt_logprobs filled if asked
        Token,     // a generated token (with its log-probabilities if asked)
        Finished,  // last event: reason (and message for errors)
    };
    Kind kind;
    std::int64_t cached_tokens = 0;
    std::vector<TokenLogprob> prompt_logprobs;  // one per prompt token after the first
    TokenLogprob token;
    FinishReason reason = FinishReason::Stop;
    std::string message;
};

struct SequenceRequest {
    std::vector<std::int32_t> prompt;  // at least one token
    std::int64_t max_tokens = 16;      // generated tokens at most; 0 scores the prompt only
    SamplerOptions sampling;
    int top_logprobs = -1;             // >= 0: each generated token's log-probability and this many alternatives
    bool prompt_logprobs = false;      // every prompt token's log-probability (after the first)
    int prompt_top_logprobs = 0;       // alternatives for each prompt token
    bool ignore_eos = false;
    std::function<bool(const SequenceEvent&)> on_event;
};

struct SchedulerOptions {
    int parallel = 4;                 // slots: sequences decoding at once
    std::int64_t n_ctx = 4096;        // positions one sequence may hold
    std::int64_t max_batch = 512;     // tokens an engine step takes
    std::int64_t block_tokens = 16;   // positions per KV block
    std::int64_t max_queue = 256;     // requests that may wait for a slot
    std::int64_t extra_blocks = 0;    // pool blocks beyond parallel * n_ctx, kept for prefix reuse
};

struct SchedulerMetrics {
    std::uint64_t requests_total = 0, requests_finished = 0, requests_cancelled = 0;
    std::uint64_t prompt_tokens_total = 0, prompt_tokens_cached = 0, generated_tokens_total = 0, steps = 0;
    std::int64_t queue_depth = 0, active = 0;
    KvBlockStats kv;
    std::int64_t block_tokens = 0;
    double busy_seconds = 0.0, uptime_seconds = 0.0;
    double decode_tokens_per_second = 0.0;  // over the last few seconds of steps
};

class QueueFull : public Error {
public:
    using Error::Error;
};

class Scheduler {
public:
    Scheduler(const LlamaModel& model, const Tokenizer& tokenizer, ThreadPool& pool, const SchedulerOptions& options);
    ~Scheduler();  // cancels whatever still runs
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    // Queues a request and returns its id. Throws Error for a request that can never run (empty prompt, token
    // ids outside the vocabulary, prompt + 1 beyond n_ctx) and QueueFull when max_queue requests already wait.
    std::uint64_t submit(SequenceRequest request);
    void cancel(std::uint64_t id);
    // Stops taking requests; finishes those that run (and those queued) when `drain`, else cancels them; returns
    // when the engine thread has stopped.
    void shutdown(bool drain);

    SchedulerMetrics metrics() const;
    const SchedulerOptions& options() const { return o_; }
    std::size_t kv_bytes() const { return kv_.bytes(); }

private:
    struct Active;
    void loop();
    bool step(std::vector<std::unique_ptr<Active>>& running);
    void finish(Active& a, FinishReason reason, const std::string& message = {});

    const LlamaModel& model_;
    const Tokenizer& tokenizer_;
    SchedulerOptions o_;
    KvPool kv_;
    KvBlocks blocks_;
    BatchForward forward_;

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    struct Queued {
        std::uint64_t id;
        SequenceRequest request;
    };
    std::deque<Queued> queue_;
    std::vector<std::uint64_t> cancelled_;
    bool stopping_ = false, draining_ = false;
    std::uint64_t next_id_ = 1;
    SchedulerMetrics metrics_;
    std::chrono::steady_clock::time_point started_;
    std::deque<std::pair<double, std::uint64_t>> rate_window_;  // (time, generated tokens) of recent steps

    // the engine thread's own
    std::vector<std::int32_t> tokens_, positions_, seq_;
    std::vector<std::uint8_t> want_;
    std::vector<KvTable> tables_;
    std::vector<float> logits_;
    std::vector<std::pair<std::int64_t, Active*>> order_;
    std::thread thread_;
};

}  // namespace qforge
