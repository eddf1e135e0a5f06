#pragma once
// Chat messages to the prompt the model reads: the model's chat template (GGUF `tokenizer.chat_template`,
// tokenizer_config.json's `chat_template`, or one named with --chat-template) rendered with the messages,
// the tools, bos/eos token texts and add_generation_prompt, as transformers' apply_chat_template does; then
// tokenized with special tokens parsed. A BOS the template writes is not doubled by the tokenizer's own.
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chat/chat_template.h"
#include "tokenizer/tokenizer.h"

namespace qforge::serve {

class ChatPrompt {
public:
    // spec: empty for the model's own template (chatml when it has none), a built-in name, or a file path.
    ChatPrompt(const Tokenizer& tokenizer, const std::string& spec);
    // 400 (ApiError) when the template refuses the conversation (raise_exception) or fails.
    std::string render(const nlohmann::ordered_json& messages, const nlohmann::ordered_json& tools,
                       const nlohmann::ordered_json& kwargs) const;
    std::vector<std::int32_t> tokens(const std::string& rendered) const;
    const std::string& source_name() const { return source_name_; }  // where the template came from

private:
    const Tokenizer& tokenizer_;
    std::unique_ptr<chat::ChatTemplate> template_;
    std::string source_name_, bos_, eos_;
};

}  // namespace qforge::serve
