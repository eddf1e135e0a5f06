// Named templates for --chat-template NAME. Each renders, for plain string messages, the text llama.cpp's
// built-in formatter (llm_chat_apply_template) writes under the same name, so a GGUF without a template, or a
// user choosing a format by name, gets the prompt llama-server would build. Written in the Jinja subset, so
// they go through the same renderer as vendors' templates.
#include <string>
#include <utility>
#include <vector>

#include "chat/chat_template.h"

namespace qforge::chat {

namespace {

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
    for (std::size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
        s.replace(pos, from.size(), to);
    }
    return s;
}

// One pass over the messages with a generation prompt at the end; PER_MESSAGE is Jinja using `message`.
std::string simple(const std::string& per_message, const std::string& generation_prompt) {
    std::string s = "{%- for message in messages -%}" + per_message + "{%- endfor -%}";
    if (!generation_prompt.empty()) s += "{%- if add_generation_prompt -%}{{ '" + generation_prompt + "' }}{%- endif -%}";
    return s;
}

// [INST] formats of Mistral v1/v3/v3-tekken (mistralai/cookbook chat_templates.md), as llama.cpp writes them.
std::string mistral_legacy(const std::string& leading, const std::string& trailing, bool trim_assistant) {
    const std::string t = R"({%- set ns = namespace(inside=false) -%}
{%- for message in messages -%}
{%- if not ns.inside -%}{{ '@L@[INST]@T@' }}{%- set ns.inside = true -%}{%- endif -%}
{%- if message['role'] == 'system' -%}{{ message['content'] + '\n\n' }}
{%- elif message['role'] == 'user' -%}{{ message['content'] + '@L@[/INST]' }}
{%- else -%}{{ '@T@' + @CONTENT@ + '</s>' }}{%- set ns.inside = false -%}
{%- endif -%}
{%- endfor -%})";
    return replace_all(replace_all(replace_all(t, "@L@", leading), "@T@", trailing), "@CONTENT@",
                       trim_assistant ? "message['content'] | trim" : "message['content']");
}

// Llama 2 [INST] <<SYS>> variants: system prompt support, BOS inside the history, stripped messages.
std::string llama2(bool system_supported, bool bos_inside, bool strip) {
    const std::string t = R"({{- '[INST] ' -}}
{%- set ns = namespace(inside=true) -%}
{%- for message in messages -%}
{%- set content = @CONTENT@ -%}
{%- if not ns.inside -%}{%- set ns.inside = true -%}{{ '@OPEN@' }}{%- endif -%}
{%- if message['role'] == 'system' -%}{{ @SYSTEM@ }}
{%- elif message['role'] == 'user' -%}{{ content + ' [/INST]' }}
{%- else -%}{{ content + '</s>' }}{%- set ns.inside = false -%}
{%- endif -%}
{%- endfor -%})";
    return replace_all(
        replace_all(replace_all(t, "@CONTENT@", strip ? "message['content'] | trim" : "message['content']"), "@OPEN@",
                    bos_inside ? "<s>[INST] " : "[INST] "),
        "@SYSTEM@", system_supported ? R"('<<SYS>>\n' + content + '\n<</SYS>>\n\n')" : R"(content + '\n')");
}

std::string mistral_v7(const std::string& space) {
    return replace_all(R"({%- for message in messages -%}
{%- if message['role'] == 'system' -%}{{ '[SYSTEM_PROMPT]@S@' + message['content'] + '[/SYSTEM_PROMPT]' }}
{%- elif message['role'] == 'user' -%}{{ '[INST]@S@' + message['content'] + '[/INST]' }}
{%- else -%}{{ '@S@' + message['content'] + '</s>' }}
{%- endif -%}
{%- endfor -%})",
                       "@S@", space);
}

std::string vicuna(bool orca) {
    return simple(std::string(R"({%- if message['role'] == 'system' -%})") +
                      (orca ? R"({{ 'SYSTEM: ' + message['content'] + '\n' }})" : R"({{ message['content'] + '\n\n' }})") +
                      R"({%- elif message['role'] == 'user' -%}{{ 'USER: ' + message['content'] + '\n' }}
{%- elif message['role'] == 'assistant' -%}{{ 'ASSISTANT: ' + message['content'] + '</s>\n' }}
{%- endif -%})",
                  "ASSISTANT:");
}

const std::vector<std::pair<std::string, std::string>>& templates() {
    static const std::vector<std::pair<std::string, std::string>> all = {
        {"chatml", simple(R"({{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }})",
                          R"(<|im_start|>assistant\n)")},
        {"llama2", llama2(false, false, false)},
        {"llama2-sys", llama2(true, false, false)},
        {"llama2-sys-bos", llama2(true, true, false)},
        {"llama2-sys-strip", llama2(true, false, true)},
        {"mistral-v1", mistral_legacy(" ", " ", false)},
        {"mistral-v3", mistral_legacy("", " ", true)},
        {"mistral-v3-tekken", mistral_legacy("", "", false)},
        {"mistral-v7", mistral_v7(" ")},
        {"mistral-v7-tekken", mistral_v7("")},
        {"phi3", simple(R"({{ '<|' + message['role'] + '|>\n' + message['content'] + '<|end|>\n' }})", R"(<|assistant|>\n)")},
        {"phi4", simple(R"({{ '<|im_start|>' + message['role'] + '<|im_sep|>' + message['content'] + '<|im_end|>' }})",
                        "<|im_start|>assistant<|im_sep|>")},
        {"falcon3", simple(R"({{ '<|' + message['role'] + '|>\n' + message['content'] + '\n' }})", R"(<|assistant|>\n)")},
        {"zephyr", simple(R"({{ '<|' + message['role'] + '|>\n' + message['content'] + '<|endoftext|>\n' }})",
                          R"(<|assistant|>\n)")},
        {"monarch", simple(R"({{ ('' if loop.first else '<s>') + message['role'] + '\n' + message['content'] + '</s>\n' }})",
                           R"(<s>assistant\n)")},
        // Gemma has no system turn: the system text opens the next user turn.
        {"gemma", R"({%- set ns = namespace(system='') -%}
{%- for message in messages -%}
{%- if message['role'] == 'system' -%}{%- set ns.system = ns.system + message['content'] | trim -%}
{%- else -%}
{%- set role = 'model' if message['role'] == 'assistant' else message['role'] -%}
{{ '<start_of_turn>' + role + '\n' }}
{%- if ns.system and role != 'model' -%}{{ ns.system + '\n\n' }}{%- set ns.system = '' -%}{%- endif -%}
{{ message['content'] | trim + '<end_of_turn>\n' }}
{%- endif -%}
{%- endfor -%}
{%- if add_generation_prompt -%}{{ '<start_of_turn>model\n' }}{%- endif -%})"},
        {"orion", R"({%- set ns = namespace(system='') -%}
{%- for message in messages -%}
{%- if message['role'] == 'system' -%}{%- set ns.system = ns.system + message['content'] -%}
{%- elif message['role'] == 'user' -%}{{ 'Human: ' }}
{%- if ns.system -%}{{ ns.system + '\n\n' }}{%- set ns.system = '' -%}{%- endif -%}
{{ message['content'] + '\n\nAssistant: </s>' }}
{%- else -%}{{ message['content'] + '</s>' }}
{%- endif -%}
{%- endfor -%})"},
        {"openchat", simple(R"({%- if message['role'] == 'system' -%}{{ message['content'] + '<|end_of_turn|>' }}
{%- else -%}{{ 'GPT4 Correct ' + message['role'] | capitalize + ': ' + message['content'] + '<|end_of_turn|>' }}
{%- endif -%})",
                            "GPT4 Correct Assistant:")},
        {"vicuna", vicuna(false)},
        {"vicuna-orca", vicuna(true)},
        {"deepseek", simple(R"({%- if message['role'] == 'system' -%}{{ message['content'] }}
{%- elif message['role'] == 'user' -%}{{ '### Instruction:\n' + message['content'] + '\n' }}
{%- elif message['role'] == 'assistant' -%}{{ '### Response:\n' + message['content'] + '\n<|EOT|>\n' }}
{%- endif -%})",
                            R"(### Response:\n)")},
        {"deepseek2", simple(R"({%- if message['role'] == 'system' -%}{{ message['content'] + '\n\n' }}
{%- elif message['role'] == 'user' -%}{{ 'User: ' + message['content'] + '\n\n' }}
{%- elif message['role'] == 'assistant' -%}{{ 'Assistant: ' + message['content'] + '<｜end▁of▁sentence｜>' }}
{%- endif -%})",
                             "Assistant:")},
        {"deepseek3", simple(R"({%- if message['role'] == 'system' -%}{{ message['content'] + '\n\n' }}
{%- elif message['role'] == 'user' -%}{{ '<｜User｜>' + message['content'] }}
{%- elif message['role'] == 'assistant' -%}{{ '<｜Assistant｜>' + message['content'] + '<｜end▁of▁sentence｜>' }}
{%- endif -%})",
                             "<｜Assistant｜>")},
        {"command-r", simple(R"({%- if message['role'] == 'system' -%}{{ '<|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|>' + message['content'] | trim + '<|END_OF_TURN_TOKEN|>' }}
{%- elif message['role'] == 'user' -%}{{ '<|START_OF_TURN_TOKEN|><|USER_TOKEN|>' + message['content'] | trim + '<|END_OF_TURN_TOKEN|>' }}
{%- elif message['role'] == 'assistant' -%}{{ '<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>' + message['content'] | trim + '<|END_OF_TURN_TOKEN|>' }}
{%- endif -%})",
                             "<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>")},
        {"llama3", simple(R"({{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n' + message['content'] | trim + '<|eot_id|>' }})",
                          R"(<|start_header_id|>assistant<|end_header_id|>\n\n)")},
        {"llama4", simple(R"({{ '<|header_start|>' + message['role'] + '<|header_end|>\n\n' + message['content'] | trim + '<|eot|>' }})",
                          R"(<|header_start|>assistant<|header_end|>\n\n)")},
        {"exaone3", simple(R"({%- if message['role'] == 'system' -%}{{ '[|system|]' + message['content'] | trim + '[|endofturn|]\n' }}
{%- elif message['role'] == 'user' -%}{{ '[|user|]' + message['content'] | trim + '\n' }}
{%- elif message['role'] == 'assistant' -%}{{ '[|assistant|]' + message['content'] | trim + '[|endofturn|]\n' }}
{%- endif -%})",
                           "[|assistant|]")},
        {"granite", simple(R"({{ '<|start_of_role|>' + message['role'] + '<|end_of_role|>' + ('<|tool_call|>' if message['role'] == 'assistant_tool_call' else '') + message['content'] + '<|end_of_text|>\n' }})",
                           R"(<|start_of_role|>assistant<|end_of_role|>\n)")},
        {"megrez", simple(R"({{ '<|role_start|>' + message['role'] + '<|role_end|>' + message['content'] + '<|turn_end|>' }})",
                          "<|role_start|>assistant<|role_end|>")},
        {"smolvlm", "{{- '<|im_start|>' -}}" + simple(R"({%- if message['role'] == 'system' -%}{{ message['content'] + '\n\n' }}
{%- elif message['role'] == 'user' -%}{{ 'User: ' + message['content'] + '<end_of_utterance>\n' }}
{%- else -%}{{ 'Assistant: ' + message['content'] + '<end_of_utterance>\n' }}
{%- endif -%})",
                                                      "Assistant:")},
    };
    return all;
}

}  // namespace

std::optional<std::string> builtin_chat_template(std::string_view name) {
    for (const auto& [n, source] : templates())
        if (n == name) return source;
    return std::nullopt;
}

std::vector<std::string> builtin_chat_template_names() {
    std::vector<std::string> names;
    for (const auto& entry : templates()) names.push_back(entry.first);
    return names;
}

}  // namespace qforge::chat
