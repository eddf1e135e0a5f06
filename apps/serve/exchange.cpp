#include "exchange.h"

#include <algorithm>

#include "serve/api_error.h"

namespace qforge::serve_app {

using nlohmann::json;

Exchange::Exchange(EngineRef engine, serve::Endpoint endpoint, const serve::GenerationFields& fields,
                   std::vector<std::vector<std::int32_t>> prompts, std::vector<std::string> prompt_texts, bool echo)
    : engine_(std::move(engine)), endpoint_(endpoint), fields_(fields), echo_(echo), prompts_(std::move(prompts)), ended_(prompts_.size(), false),
      channel_(std::make_shared<Channel>()), id_(serve::completion_id(endpoint)),
      created_(std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count()) {
    for (std::size_t i = 0; i < prompts_.size(); ++i) {
        serve::ChoiceOptions o;
        o.endpoint = endpoint;
        o.index = static_cast<int>(i);
        o.stop = fields.stop;
        o.top_logprobs = fields.top_logprobs;
        o.echo = echo;
        o.prompt_text = i < prompt_texts.size() ? prompt_texts[i] : std::string();
        choices_.emplace_back(engine_.tokenizer, prompts_[i], std::move(o));
    }
}

Exchange::~Exchange() {
    if (!finished()) cancel();
}

void Exchange::start() {
    // echo with logprobs: every prompt token's log-probability (lm-evaluation-harness's log-likelihoods)
    const bool echo_logprobs = echo_ && endpoint_ == serve::Endpoint::Completions && fields_.top_logprobs >= 0;
    std::vector<SequenceRequest> requests;
    for (std::size_t i = 0; i < prompts_.size(); ++i) {
        const auto n = static_cast<std::int64_t>(prompts_[i].size());
        if (n == 0) serve::invalid_request("the prompt is empty", "prompt");
        std::int64_t max = fields_.max_tokens.value_or(endpoint_ == serve::Endpoint::Chat ? engine_.n_ctx : 16);
        if (n + (max > 0 ? 1 : 0) > engine_.n_ctx)
            serve::invalid_request(fmt::format("the prompt has {} tokens, more than the context of {} allows", n, engine_.n_ctx), "prompt");
        SequenceRequest r;
        r.prompt = prompts_[i];
        r.max_tokens = std::min(max, engine_.n_ctx - n);
        r.sampling = fields_.sampling;
        r.top_logprobs = fields_.top_logprobs;
        r.prompt_logprobs = echo_logprobs;
        r.prompt_top_logprobs = std::max(0, fields_.top_logprobs);
        r.ignore_eos = fields_.ignore_eos;
        auto channel = channel_;
        r.on_event = [channel, i](const SequenceEvent& e) {
            std::lock_guard lock(channel->mutex);
            channel->events.emplace_back(i, e);
            channel->cv.notify_one();
            return !channel->cancelled;
        };
        requests.push_back(std::move(r));
    }
    for (auto& r : requests) {
        try {
            ids_.push_back(engine_.scheduler.submit(std::move(r)));
        } catch (const QueueFull& e) {
            cancel();
            throw serve::ApiError(503, "unavailable_error", fmt::format("the server is busy: {}; retry later", e.what()));
        } catch (const Error& e) {
            cancel();
            serve::invalid_request(e.what(), "prompt");
        }
    }
}

std::vector<json> Exchange::pump(std::chrono::milliseconds wait) {
    std::deque<std::pair<std::size_t, SequenceEvent>> events;
    {
        std::unique_lock lock(channel_->mutex);
        channel_->cv.wait_for(lock, wait, [&] { return !channel_->events.empty(); });
        events.swap(channel_->events);
    }
    std::vector<json> out;
    for (auto& [i, e] : events) {
        if (e.kind == SequenceEvent::Kind::Finished) ended_[i] = true;
        serve::ChoiceBuilder& c = choices_[i];
        const bool was_finished = c.finished();
        if (auto chunk = c.on_event(e)) out.push_back(std::move(*chunk));
        // a stop string ends the choice here: the engine stops generating for it
        if (!was_finished && c.finished() && e.kind != SequenceEvent::Kind::Finished && i < ids_.size()) engine_.scheduler.cancel(ids_[i]);
    }
    return out;
}

bool Exchange::finished() const {
    for (std::size_t i = 0; i < choices_.size(); ++i)
        if (!choices_[i].finished() || (i < ids_.size() && !ended_[i])) return false;
    return true;
}

void Exchange::cancel() {
    {
        std::lock_guard lock(channel_->mutex);
        channel_->cancelled = true;
    }
    for (std::size_t i = 0; i < ids_.size(); ++i)
        if (!ended_[i]) engine_.scheduler.cancel(ids_[i]);
}

std::string Exchange::error() const {
    for (const auto& c : choices_)
        if (!c.error().empty()) return c.error();
    return {};
}

json Exchange::usage() const {
    std::int64_t prompt = 0, completion = 0, cached = 0;
    for (const auto& c : choices_) {
        prompt += c.prompt_tokens();
        completion += c.completion_tokens();
        cached += c.cached_tokens();
    }
    return {{"prompt_tokens", prompt},
            {"completion_tokens", completion},
            {"total_tokens", prompt + completion},
            {"prompt_tokens_details", {{"cached_tokens", cached}}}};
}

json Exchange::response() const {
    json choices = json::array();
    for (const auto& c : choices_) choices.push_back(c.final_choice());
    return {{"id", id_},
            {"object", endpoint_ == serve::Endpoint::Chat ? "chat.completion" : "text_completion"},
            {"created", created_},
            {"model", engine_.model_id},
            {"system_fingerprint", "qforge"},
            {"choices", choices},
            {"usage", usage()}};
}

json Exchange::chunk(json choice) const {
    json choices = json::array();
    if (!choice.is_null()) choices.push_back(std::move(choice));
    return {{"id", id_},
            {"object", endpoint_ == serve::Endpoint::Chat ? "chat.completion.chunk" : "text_completion"},
            {"created", created_},
            {"model", engine_.model_id},
            {"system_fingerprint", "qforge"},
            {"choices", choices}};
}

}  // namespace qforge::serve_app
