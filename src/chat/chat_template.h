#pragma once
// Chat templates: the Jinja subset that model vendors' templates use, rendering a conversation to a prompt.
// Rendering is byte-identical to @huggingface/jinja (the renderer of transformers.js and of the Hub), which
// tests/clients checks on the vendors' templates; where that renderer refuses a template, so does this one.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace qforge::chat {

namespace jinja {
struct Program;
class SourceText;
}  // namespace jinja

// Bounds that turn a hostile or runaway template into an error instead of a hang or an exhausted machine.
struct RenderLimits {
    std::size_t max_output_bytes = std::size_t{64} << 20;  // the prompt, and any one string built on the way
    std::uint64_t max_steps = 50'000'000;                   // evaluated nodes and loop iterations
    int max_nesting = 800;                                  // nested evaluation, macro calls included
    int max_macro_depth = 100;                              // nested macro calls
    std::size_t max_list_items = 1'000'000;                 // range() lengths and lists built by `+`
};

struct RenderOptions {
    // What strftime_now(format) returns. Default: the current local time through the same strftime subset as
    // @huggingface/jinja (%Y %m %d %b %B %H %M %%, English month names; other directives stay as written).
    std::function<std::string(std::string_view format)> strftime_now;
    // The time the default strftime_now formats; unset means the current time.
    std::optional<std::chrono::system_clock::time_point> now;
    RenderLimits limits;
};

// strftime with @huggingface/jinja's directives, in local time.
std::string format_time_like_hf(std::string_view format, std::chrono::system_clock::time_point when);

class ChatTemplate {
public:
    // Parses once; throws qforge::Error for a syntax error, naming the line and column and what was expected.
    explicit ChatTemplate(std::string source);

    // context: {"messages": [...], "add_generation_prompt": bool, "bos_token": "...", "eos_token": "...",
    // optional "tools", ...}; every key becomes a template variable. Throws qforge::Error when the template
    // fails or calls raise_exception(message) (then the error's text is exactly that message).
    // Thread-safe: a render shares nothing mutable with other renders.
    //
    // Key order matters wherever a template prints JSON (`tools|tojson`): nlohmann::json sorts object keys,
    // nlohmann::ordered_json keeps them as the client sent them, which is what the reference renderer sees.
    std::string render(const nlohmann::ordered_json& context, const RenderOptions& options = {}) const;
    std::string render(const nlohmann::json& context, const RenderOptions& options = {}) const;

    const std::string& source() const { return source_; }

private:
    template <typename Json>
    std::string render_json(const Json& context, const RenderOptions& options) const;

    std::string source_;
    std::shared_ptr<const jinja::SourceText> text_;
    std::shared_ptr<const jinja::Program> program_;
};

// Built-in templates for --chat-template NAME, under llama.cpp's names ("chatml", "llama2", "llama3",
// "mistral-v7", "gemma", "phi3", "zephyr", "vicuna", "deepseek", ...). They render what llama.cpp's built-in
// formatter writes for the same messages (without a BOS text: the tokenizer adds BOS). nullopt for an unknown
// name.
std::optional<std::string> builtin_chat_template(std::string_view name);
std::vector<std::string> builtin_chat_template_names();

}  // namespace qforge::chat
