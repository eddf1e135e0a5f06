#pragma once
// One HTTP request's sequences on the scheduler: its prompts submitted together (they batch with everything
// else running), the scheduler's events handed over from the engine thread through a queue the request's HTTP
// thread drains, and the choices built from them. The queue outlives the request object (the engine may still
// report a cancelled sequence's end after the connection is gone).
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/scheduler.h"
#include "serve/choice_builder.h"
#include "serve/completion_request.h"

namespace qforge::serve_app {

struct EngineRef {
    const Tokenizer& tokenizer;
    Scheduler& scheduler;
    std::string model_id;
    std::int64_t n_ctx;  // per sequence
};

class Exchange {
public:
    Exchange(EngineRef engine, serve::Endpoint endpoint, const serve::GenerationFields& fields, std::vector<std::vector<std::int32_t>> prompts,
             std::vector<std::string> prompt_texts, bool echo);
    ~Exchange();
    // Submits every prompt; ApiError 503 when the queue is full (nothing stays submitted), 400 for prompts that
    // cannot run.
    void start();
    // Feeds the events that arrived (waiting up to `wait` for one) to the choices; returns the chunk choices to
    // stream, in order.
    std::vector<nlohmann::json> pump(std::chrono::milliseconds wait);
    bool finished() const;
    void cancel();
    nlohmann::json response() const;  // the whole answer, when finished
    nlohmann::json chunk(nlohmann::json choice) const;  // one stream chunk around a choice
    nlohmann::json usage() const;
    std::string error() const;        // a sequence failed in the engine

private:
    struct Channel {
        std::mutex mutex;
        std::condition_variable cv;
        std::deque<std::pair<std::size_t, SequenceEvent>> events;
        bool cancelled = false;
    };
    EngineRef engine_;
    serve::Endpoint endpoint_;
    serve::GenerationFields fields_;
    bool echo_;
    std::vector<std::vector<std::int32_t>> prompts_;
    std::vector<serve::ChoiceBuilder> choices_;
    std::vector<std::uint64_t> ids_;
    std::vector<bool> ended_;
    std::shared_ptr<Channel> channel_;
    std::string id_;
    std::int64_t created_;
};

}  // namespace qforge::serve_app
