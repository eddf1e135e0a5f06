#include "serve/chat_prompt.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "serve/api_error.h"

namespace qforge::serve {

ChatPrompt::ChatPrompt(const Tokenizer& tokenizer, const std::string& spec) : tokenizer_(tokenizer) {
    std::string source;
    if (spec.empty()) {
        if (tokenizer.vocab().chat_template) {
            source = *tokenizer.vocab().chat_template;
            source_name_ = "the model's tokenizer.chat_template";
        } else {
            source = *chat::builtin_chat_template("chatml");
            source_name_ = "chatml (the model has no chat template)";
        }
    } else if (auto builtin = chat::builtin_chat_template(spec)) {
        source = *builtin;
        source_name_ = spec;
    } else if (std::filesystem::is_regular_file(spec)) {
        std::ifstream in(spec, std::ios::binary);
        std::ostringstream s;
        s << in.rdbuf();
        if (!in && !in.eof()) fail("{}: cannot read the chat template", spec);
        source = s.str();
        source_name_ = spec;
    } else {
        std::string names;
        for (const auto& n : chat::builtin_chat_template_names()) names += (names.empty() ? "" : ", ") + n;
        fail("--chat-template {}: neither a built-in template ({}) nor a file", spec, names);
    }
    try {
        template_ = std::make_unique<chat::ChatTemplate>(source);
    } catch (const Error& e) {
        fail("chat template ({}): {}", source_name_, e.what());
    }
    auto text_of = [&](std::optional<TokenId> id) { return id ? tokenizer.vocab().tokens[static_cast<std::size_t>(*id)] : std::string(); };
    bos_ = text_of(tokenizer.bos());
    eos_ = text_of(tokenizer.eos());
}

std::string ChatPrompt::render(const nlohmann::ordered_json& messages, const nlohmann::ordered_json& tools,
                               const nlohmann::ordered_json& kwargs) const {
    nlohmann::ordered_json ctx = kwargs.is_object() ? kwargs : nlohmann::ordered_json::object();
    ctx["messages"] = messages;
    if (!ctx.contains("add_generation_prompt")) ctx["add_generation_prompt"] = true;
    ctx["bos_token"] = bos_;
    ctx["eos_token"] = eos_;
    if (!tools.is_null()) ctx["tools"] = tools;
    try {
        return template_->render(ctx);
    } catch (const Error& e) {
        invalid_request(fmt::format("the chat template refused the messages: {}", e.what()), "messages");
    }
}

std::vector<std::int32_t> ChatPrompt::tokens(const std::string& rendered) const {
    std::string_view text = rendered;
    // the template wrote the BOS itself: the tokenizer's would double it
    if (tokenizer_.adds_bos() && !bos_.empty() && text.starts_with(bos_)) text.remove_prefix(bos_.size());
    return tokenizer_.encode(text, true, true);
}

}  // namespace qforge::serve
