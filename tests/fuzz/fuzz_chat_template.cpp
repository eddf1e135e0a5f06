// libFuzzer target: rendering a chat template (the input) must give a prompt or a qforge::Error, never a crash
// or a hang. The input is the template text, optionally followed by a NUL byte and a JSON context; without one
// (or when it does not parse as an object) the template renders a fixed conversation with tools.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "chat/chat_template.h"
#include "core/error.h"

namespace {

const nlohmann::ordered_json& default_context() {
    static const nlohmann::ordered_json context = nlohmann::ordered_json::parse(R"({
      "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Weather in Paris? \u00e9\ud83d\ude00"},
        {"role": "assistant", "content": null, "tool_calls": [{"id": "call00001", "type": "function",
          "function": {"name": "get_weather", "arguments": {"city": "Paris", "days": 2}}}]},
        {"role": "tool", "tool_call_id": "call00001", "content": "22 C"},
        {"role": "assistant", "content": "  It is 22 C.  "},
        {"role": "user", "content": "Thanks"}
      ],
      "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City"},
          "days": {"type": "integer", "default": 1}}, "required": ["city"]}}}],
      "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>"
    })");
    return context;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const std::size_t nul = input.find('\0');
    nlohmann::ordered_json context = default_context();
    if (nul != std::string_view::npos) {
        auto parsed = nlohmann::ordered_json::parse(input.substr(nul + 1), nullptr, /*allow_exceptions=*/false);
        if (parsed.is_object()) context = std::move(parsed);
    }
    qforge::chat::RenderOptions options;
    options.now = std::chrono::system_clock::time_point(std::chrono::seconds(1721989800));
    options.limits.max_output_bytes = 1 << 20;
    options.limits.max_steps = 200'000;  // a few hundred ms under the sanitizers
    options.limits.max_list_items = 100'000;
    try {
        const qforge::chat::ChatTemplate tmpl{std::string(input.substr(0, nul))};
        volatile std::size_t n = tmpl.render(context, options).size();
        (void)n;
    } catch (const qforge::Error&) {
    }
    return 0;
}
