#include "serve/completion_request.h"

#include <cmath>
#include <limits>

#include "serve/api_error.h"

namespace qforge::serve {
namespace {

using nlohmann::json;

const json* field(const json& body, const char* name) {
    const auto it = body.find(name);
    return it == body.end() || it->is_null() ? nullptr : &*it;
}

double number(const json& body, const char* name, double lo, double hi, double fallback) {
    const json* v = field(body, name);
    if (v == nullptr) return fallback;
    if (!v->is_number()) invalid_request(fmt::format("'{}' must be a number", name), name);
    const double x = v->get<double>();
    if (!std::isfinite(x) || x < lo || x > hi) invalid_request(fmt::format("'{}' must be between {} and {}, not {}", name, lo, hi, x), name);
    return x;
}

std::int64_t integer(const json& body, const char* name, std::int64_t lo, std::int64_t hi, std::int64_t fallback) {
    const json* v = field(body, name);
    if (v == nullptr) return fallback;
    if (!v->is_number_integer()) {
        // 16.0 is accepted as 16, as OpenAI does
        if (v->is_number_float() && std::floor(v->get<double>()) == v->get<double>() && std::fabs(v->get<double>()) < 9e15)
            return integer(json{{name, static_cast<std::int64_t>(v->get<double>())}}, name, lo, hi, fallback);
        invalid_request(fmt::format("'{}' must be an integer", name), name);
    }
    const std::int64_t x = v->is_number_unsigned() && v->get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())
                               ? std::numeric_limits<std::int64_t>::max()
                               : v->get<std::int64_t>();
    if (x < lo || x > hi) invalid_request(fmt::format("'{}' must be between {} and {}, not {}", name, lo, hi, x), name);
    return x;
}

bool boolean(const json& body, const char* name, bool fallback) {
    const json* v = field(body, name);
    if (v == nullptr) return fallback;
    if (!v->is_boolean()) invalid_request(fmt::format("'{}' must be a boolean", name), name);
    return v->get<bool>();
}

std::string string_field(const json& body, const char* name) {
    const json* v = field(body, name);
    if (v == nullptr) return {};
    if (!v->is_string()) invalid_request(fmt::format("'{}' must be a string", name), name);
    return v->get<std::string>();
}

void read_generation(const json& b, GenerationFields& g) {
    g.model = string_field(b, "model");
    if (const json* n = field(b, "n"); n != nullptr && !(n->is_number_integer() && n->get<std::int64_t>() == 1))
        invalid_request("'n' other than 1 is not supported: send one request per sample (or a list of prompts)", "n");
    if (field(b, "best_of") != nullptr && integer(b, "best_of", 1, 1, 1) != 1) invalid_request("'best_of' must be 1", "best_of");
    if (field(b, "max_completion_tokens") != nullptr) g.max_tokens = integer(b, "max_completion_tokens", 0, 1 << 30, 0);
    if (field(b, "max_tokens") != nullptr) {
        // llama-server takes -1 as "until the context ends"
        const std::int64_t m = integer(b, "max_tokens", -1, 1 << 30, 0);
        if (m >= 0) g.max_tokens = m;
    }
    SamplerOptions& s = g.sampling;
    s.temperature = static_cast<float>(number(b, "temperature", 0.0, 2.0, s.temperature));
    s.top_p = static_cast<float>(number(b, "top_p", 0.0, 1.0, s.top_p));
    s.top_k = static_cast<std::int32_t>(integer(b, "top_k", 0, std::numeric_limits<std::int32_t>::max(), s.top_k));
    s.min_p = static_cast<float>(number(b, "min_p", 0.0, 1.0, s.min_p));
    s.presence_penalty = static_cast<float>(number(b, "presence_penalty", -2.0, 2.0, s.presence_penalty));
    s.frequency_penalty = static_cast<float>(number(b, "frequency_penalty", -2.0, 2.0, s.frequency_penalty));
    s.repeat_penalty = static_cast<float>(number(b, "repeat_penalty", 0.0, 10.0, s.repeat_penalty));
    s.repeat_last_n = static_cast<std::int32_t>(integer(b, "repeat_last_n", -1, 1 << 20, s.repeat_last_n));
    if (field(b, "seed") != nullptr) {
        const std::int64_t seed = integer(b, "seed", std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max(), 0);
        s.seed = static_cast<std::uint32_t>(static_cast<std::uint64_t>(seed));
        if (s.seed == 0xFFFFFFFFu) s.seed = 0xFFFFFFFEu;  // 0xFFFFFFFF means "random" to the sampler
    }
    if (const json* stop = field(b, "stop")) {
        if (stop->is_string()) g.stop.push_back(stop->get<std::string>());
        else if (stop->is_array()) {
            if (stop->size() > 16) invalid_request("'stop' may list at most 16 strings", "stop");
            for (const auto& s1 : *stop) {
                if (!s1.is_string()) invalid_request("'stop' must be a string or a list of strings", "stop");
                g.stop.push_back(s1.get<std::string>());
            }
        } else {
            invalid_request("'stop' must be a string or a list of strings", "stop");
        }
    }
    g.stream = boolean(b, "stream", false);
    if (const json* so = field(b, "stream_options")) {
        if (!so->is_object()) invalid_request("'stream_options' must be an object", "stream_options");
        g.include_usage = boolean(*so, "include_usage", false);
    }
    g.ignore_eos = boolean(b, "ignore_eos", false);
}

std::vector<std::int32_t> token_array(const json& a, std::int32_t n_vocab) {
    std::vector<std::int32_t> out;
    for (const auto& t : a) {
        if (!t.is_number_integer()) invalid_request("'prompt' must be a string, a list of token ids, or a list of either", "prompt");
        const auto id = t.get<std::int64_t>();
        if (id < 0 || id >= n_vocab) invalid_request(fmt::format("token id {} in 'prompt' is outside the vocabulary ({} tokens)", id, n_vocab), "prompt");
        out.push_back(static_cast<std::int32_t>(id));
    }
    return out;
}

}  // namespace

json parse_json_body(const std::string& body) {
    json j;
    try {
        j = json::parse(body);
    } catch (const json::exception& e) {
        invalid_request(fmt::format("the body is not valid JSON: {}", e.what()));
    }
    if (!j.is_object()) invalid_request("the body must be a JSON object");
    return j;
}

CompletionRequest parse_completion_request(const json& b, std::int32_t n_vocab) {
    CompletionRequest r;
    read_generation(b, r);
    const json* p = field(b, "prompt");
    if (p == nullptr) invalid_request("'prompt' is required", "prompt");
    if (p->is_string()) {
        r.prompts.emplace_back(p->get<std::string>());
    } else if (p->is_array()) {
        if (p->empty()) invalid_request("'prompt' must not be empty", "prompt");
        if ((*p)[0].is_number()) {
            r.prompts.emplace_back(token_array(*p, n_vocab));
        } else {
            if (p->size() > 128) invalid_request("'prompt' may list at most 128 prompts", "prompt");
            for (const auto& e : *p) {
                if (e.is_string()) r.prompts.emplace_back(e.get<std::string>());
                else if (e.is_array() && !e.empty()) r.prompts.emplace_back(token_array(e, n_vocab));
                else invalid_request("'prompt' must be a string, a list of token ids, or a list of either", "prompt");
            }
        }
    } else {
        invalid_request("'prompt' must be a string, a list of token ids, or a list of either", "prompt");
    }
    r.echo = boolean(b, "echo", false);
    if (const json* lp = field(b, "logprobs")) {
        if (lp->is_boolean()) r.top_logprobs = lp->get<bool>() ? 0 : -1;
        else r.top_logprobs = static_cast<int>(integer(b, "logprobs", 0, 20, 0));
    }
    if (field(b, "suffix") != nullptr) invalid_request("'suffix' is not supported", "suffix");
    return r;
}

ChatRequest parse_chat_request(const json& b, const nlohmann::ordered_json& ob) {
    ChatRequest r;
    read_generation(b, r);
    const json* m = field(b, "messages");
    if (m == nullptr || !m->is_array() || m->empty()) invalid_request("'messages' must be a non-empty list of messages", "messages");
    r.messages = nlohmann::ordered_json::array();
    for (std::size_t i = 0; i < m->size(); ++i) {
        const json& msg = (*m)[i];
        const std::string where = fmt::format("messages[{}]", i);
        if (!msg.is_object()) invalid_request(where + " must be an object", where);
        const json* role = field(msg, "role");
        if (role == nullptr || !role->is_string()) invalid_request(where + ".role must be a string", where + ".role");
        nlohmann::ordered_json out = ob["messages"][i];
        const json* content = field(msg, "content");
        if (content == nullptr) {
            if (!msg.contains("tool_calls")) invalid_request(where + ".content is required", where + ".content");
            out["content"] = nullptr;
        } else if (content->is_array()) {
            // parts: the text ones joined, as llama-server does
            std::string text;
            for (const auto& part : *content) {
                if (!part.is_object() || part.value("type", "") != "text" || !part.contains("text") || !part["text"].is_string())
                    invalid_request(where + ".content parts must be {\"type\": \"text\", \"text\": ...}: only text is supported", where + ".content");
                text += part["text"].get<std::string>();
            }
            out["content"] = text;
        } else if (!content->is_string()) {
            invalid_request(where + ".content must be a string or a list of text parts", where + ".content");
        }
        r.messages.push_back(std::move(out));
    }
    if (const json* tools = field(b, "tools")) {
        if (!tools->is_array()) invalid_request("'tools' must be a list", "tools");
        r.tools = ob["tools"];
    }
    if (const json* kw = field(b, "chat_template_kwargs")) {
        if (!kw->is_object()) invalid_request("'chat_template_kwargs' must be an object", "chat_template_kwargs");
        r.template_kwargs = ob["chat_template_kwargs"];
    }
    const bool logprobs = boolean(b, "logprobs", false);
    const int top = static_cast<int>(integer(b, "top_logprobs", 0, 20, 0));
    if (field(b, "top_logprobs") != nullptr && !logprobs) invalid_request("'top_logprobs' needs 'logprobs': true", "top_logprobs");
    r.top_logprobs = logprobs ? top : -1;
    return r;
}

}  // namespace qforge::serve
