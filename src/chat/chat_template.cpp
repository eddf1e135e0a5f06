#include "chat/chat_template.h"

#include "chat/jinja_interpreter.h"
#include "chat/jinja_json.h"
#include "chat/jinja_lexer.h"
#include "chat/jinja_parser.h"

namespace qforge::chat {

ChatTemplate::ChatTemplate(std::string source) : source_(std::move(source)) {
    auto text = std::make_shared<jinja::SourceText>(source_);
    program_ = std::make_shared<const jinja::Program>(jinja::parse(jinja::tokenize(*text), *text));
    text_ = std::move(text);
}

template <typename Json>
std::string ChatTemplate::render_json(const Json& context, const RenderOptions& options) const {
    if (!context.is_object() && !context.is_null()) fail("chat template context must be a JSON object");
    const jinja::Value globals = context.is_null() ? jinja::Value() : jinja::from_json(context);
    jinja::Interpreter interpreter(*text_, options);
    return interpreter.render(*program_, globals);
}

std::string ChatTemplate::render(const nlohmann::ordered_json& context, const RenderOptions& options) const {
    return render_json(context, options);
}

std::string ChatTemplate::render(const nlohmann::json& context, const RenderOptions& options) const {
    return render_json(context, options);
}

}  // namespace qforge::chat
