#pragma once
// One choice of a completion as the scheduler's events arrive: the text (streamed as whole UTF-8 characters,
// cut at the first stop string), log-probabilities in the endpoint's shape (legacy `logprobs` of
// /v1/completions with `echo`'s prompt tokens, or chat's `logprobs.content`), the finish reason and token
// counts. It gives the `choices[i]` object of each stream chunk and of the final response.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/scheduler.h"
#include "runtime/text_stream.h"
#include "tokenizer/tokenizer.h"

namespace qforge::serve {

enum class Endpoint { Completions, Chat };

struct ChoiceOptions {
    Endpoint endpoint = Endpoint::Completions;
    int index = 0;
    std::vector<std::string> stop;
    int top_logprobs = -1;      // < 0: no logprobs
    bool echo = false;          // completions: the prompt's text (and its tokens' logprobs) first
    std::string prompt_text;    // for echo
};

class ChoiceBuilder {
public:
    ChoiceBuilder(const Tokenizer& tokenizer, std::vector<std::int32_t> prompt, ChoiceOptions options);

    // The chunk's choice for a stream (nullopt when there is nothing to send yet).
    std::optional<nlohmann::json> on_event(const SequenceEvent& e);
    // A stop string was seen: the request should be cancelled, the choice is finished ("stop").
    bool stop_seen() const { return text_.stopped(); }
    bool finished() const { return finished_; }
    // The complete choice, for a response that is not streamed.
    nlohmann::json final_choice() const;
    std::int64_t prompt_tokens() const { return static_cast<std::int64_t>(prompt_.size()); }
    std::int64_t completion_tokens() const { return generated_; }
    std::int64_t cached_tokens() const { return cached_; }
    const std::string& error() const { return error_; }
    std::string finish_reason() const { return finish_reason_; }

private:
    nlohmann::json chunk(const std::string& text, nlohmann::json logprobs, bool last) const;
    nlohmann::json logprob_entries(std::size_t from) const;  // completions' legacy shape, or chat's content list

    const Tokenizer& tokenizer_;
    std::vector<std::int32_t> prompt_;
    ChoiceOptions o_;
    TextStream text_;
    std::string sent_;  // text emitted so far (echoed prompt included)
    struct Entry {
        std::string token;
        std::optional<float> logprob;
        nlohmann::json top;  // null, or the alternatives
        std::size_t offset;  // into sent_ where the token's text starts
    };
    std::vector<Entry> entries_;
    std::size_t streamed_entries_ = 0;
    std::int64_t generated_ = 0, cached_ = 0;
    bool finished_ = false, role_sent_ = false;
    std::string finish_reason_, error_;
};

// The id of a completion: "cmpl-" / "chatcmpl-" and 24 random hex digits.
std::string completion_id(Endpoint endpoint);

}  // namespace qforge::serve
