#pragma once
// The bodies of POST /v1/completions and /v1/chat/completions, checked field by field: a wrong type or an
// out-of-range value is a 400 naming the field, as OpenAI answers. Fields OpenAI documents and llama-server's
// extensions (top_k, min_p, repeat_penalty, repeat_last_n, ignore_eos) are read; unknown fields are ignored,
// as both do. Unset sampling fields take llama-server's defaults.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/sampler.h"

namespace qforge::serve {

using Prompt = std::variant<std::string, std::vector<std::int32_t>>;

struct GenerationFields {
    std::string model;
    std::optional<std::int64_t> max_tokens;  // unset: the endpoint's default
    SamplerOptions sampling;
    std::vector<std::string> stop;
    bool stream = false, include_usage = false, ignore_eos = false;
    int top_logprobs = -1;  // >= 0: log-probabilities of each generated token, with this many alternatives
};

struct CompletionRequest : GenerationFields {
    std::vector<Prompt> prompts;  // one choice each
    bool echo = false;
};

struct ChatRequest : GenerationFields {
    // In the client's key order (templates that print JSON show it).
    nlohmann::ordered_json messages;  // array of {role, content (string), ...}: array contents joined to their text
    nlohmann::ordered_json tools;     // null when absent
    nlohmann::ordered_json template_kwargs = nlohmann::ordered_json::object();  // chat_template_kwargs
};

// The body as a JSON object: 400 for text that is not JSON (invalid UTF-8 included) or not an object.
nlohmann::json parse_json_body(const std::string& body);
CompletionRequest parse_completion_request(const nlohmann::json& body, std::int32_t n_vocab);
// ordered: the same body parsed keeping key order.
ChatRequest parse_chat_request(const nlohmann::json& body, const nlohmann::ordered_json& ordered);

}  // namespace qforge::serve
