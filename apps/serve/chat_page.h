#pragma once
// GET /: a one-file chat page (no external assets) that streams replies from /v1/chat/completions.
#include <string_view>

namespace qforge::serve_app {

std::string_view chat_page_html();

}  // namespace qforge::serve_app
