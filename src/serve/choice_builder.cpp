#include "serve/choice_builder.h"

#include <random>

namespace qforge::serve {
namespace {

using nlohmann::json;

json bytes_of(const std::string& s) {
    json b = json::array();
    for (unsigned char c : s) b.push_back(static_cast<int>(c));
    return b;
}

}  // namespace

std::string completion_id(Endpoint endpoint) {
    static thread_local std::mt19937_64 rng(std::random_device{}());
    return fmt::format("{}{:012x}{:012x}", endpoint == Endpoint::Chat ? "chatcmpl-" : "cmpl-", rng() & 0xFFFFFFFFFFFFull,
                       rng() & 0xFFFFFFFFFFFFull);
}

ChoiceBuilder::ChoiceBuilder(const Tokenizer& tokenizer, std::vector<std::int32_t> prompt, ChoiceOptions options)
    : tokenizer_(tokenizer), prompt_(std::move(prompt)), o_(std::move(options)), text_(tokenizer, o_.stop) {}

json ChoiceBuilder::chunk(const std::string& text, json logprobs, bool last) const {
    json c = {{"index", o_.index}};
    if (o_.endpoint == Endpoint::Chat) {
        json delta = json::object();
        if (!role_sent_) delta["role"] = "assistant";
        if (!text.empty() || !role_sent_) delta["content"] = text;
        c["delta"] = delta;
    } else {
        c["text"] = text;
    }
    c["logprobs"] = std::move(logprobs);
    c["finish_reason"] = last ? json(finish_reason_) : json(nullptr);
    return c;
}

json ChoiceBuilder::logprob_entries(std::size_t from) const {
    if (o_.top_logprobs < 0 || from >= entries_.size()) return nullptr;
    if (o_.endpoint == Endpoint::Chat) {
        json content = json::array();
        for (std::size_t i = from; i < entries_.size(); ++i) {
            const Entry& e = entries_[i];
            json item = {{"token", e.token}, {"logprob", e.logprob.value_or(0.0f)}, {"bytes", bytes_of(e.token)}};
            item["top_logprobs"] = e.top.is_null() ? json::array() : e.top;
            content.push_back(std::move(item));
        }
        return {{"content", content}};
    }
    json tokens = json::array(), lps = json::array(), tops = json::array(), offsets = json::array();
    for (std::size_t i = from; i < entries_.size(); ++i) {
        const Entry& e = entries_[i];
        tokens.push_back(e.token);
        lps.push_back(e.logprob ? json(*e.logprob) : json(nullptr));
        tops.push_back(e.top);
        offsets.push_back(e.offset);
    }
    return {{"tokens", tokens}, {"token_logprobs", lps}, {"top_logprobs", tops}, {"text_offset", offsets}};
}

std::optional<json> ChoiceBuilder::on_event(const SequenceEvent& e) {
    if (finished_) return std::nullopt;
    auto alternatives = [&](const TokenLogprob& lp) -> json {
        if (o_.endpoint == Endpoint::Chat) {
            json a = json::array();
            for (const auto& [id, v] : lp.top) {
                const std::string t = tokenizer_.piece(id, true);
                a.push_back({{"token", t}, {"logprob", v}, {"bytes", bytes_of(t)}});
            }
            return a;
        }
        json a = json::object();
        for (const auto& [id, v] : lp.top) {
            const std::string t = tokenizer_.piece(id, true);
            if (!a.contains(t)) a[t] = v;
        }
        return a;
    };
    std::string text;
    switch (e.kind) {
        case SequenceEvent::Kind::Prompt:
            cached_ = e.cached_tokens;
            if (o_.echo) {
                text = o_.prompt_text;
                if (o_.top_logprobs >= 0) {
                    std::size_t offset = 0;
                    for (std::size_t i = 0; i < prompt_.size(); ++i) {
                        const std::string t = tokenizer_.piece(prompt_[i], true);
                        if (i == 0 || i - 1 >= e.prompt_logprobs.size()) entries_.push_back({t, std::nullopt, nullptr, offset});
                        else entries_.push_back({t, e.prompt_logprobs[i - 1].logprob, alternatives(e.prompt_logprobs[i - 1]), offset});
                        offset += t.size();
                    }
                }
            }
            break;
        case SequenceEvent::Kind::Token: {
            ++generated_;
            const std::size_t offset = (o_.echo ? o_.prompt_text.size() : 0) + text_.text().size();
            text = text_.add(e.token.token);
            if (o_.top_logprobs >= 0)
                entries_.push_back({tokenizer_.piece(e.token.token, true), e.token.logprob, alternatives(e.token), offset});
            if (text_.stopped()) {
                finished_ = true;
                finish_reason_ = "stop";
            }
            break;
        }
        case SequenceEvent::Kind::Finished:
            text = text_.flush();
            finished_ = true;
            if (e.reason == FinishReason::Error) error_ = e.message;
            finish_reason_ = e.reason == FinishReason::Length ? "length" : "stop";
            break;
    }
    sent_ += text;
    const bool have_logprobs = streamed_entries_ < entries_.size();
    if (text.empty() && !have_logprobs && !finished_ && (o_.endpoint != Endpoint::Chat || role_sent_)) return std::nullopt;
    json c = chunk(text, logprob_entries(streamed_entries_), finished_);
    streamed_entries_ = entries_.size();
    role_sent_ = true;
    return c;
}

json ChoiceBuilder::final_choice() const {
    json c = {{"index", o_.index}};
    if (o_.endpoint == Endpoint::Chat) c["message"] = {{"role", "assistant"}, {"content", sent_}};
    else c["text"] = sent_;
    c["logprobs"] = logprob_entries(0);
    c["finish_reason"] = finish_reason_.empty() ? json(nullptr) : json(finish_reason_);
    return c;
}

}  // namespace qforge::serve
