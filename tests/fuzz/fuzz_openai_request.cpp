// libFuzzer target: an HTTP body (the input) read as a /v1/completions and as a /v1/chat/completions request
// must give a request or an ApiError (a 4xx answer), never a crash.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "serve/completion_request.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string body(reinterpret_cast<const char*>(data), size);
    try {
        const nlohmann::json j = qforge::serve::parse_json_body(body);
        try {
            const auto r = qforge::serve::parse_completion_request(j, 4096);
            volatile std::size_t n = r.prompts.size();
            (void)n;
        } catch (const qforge::Error&) {
        }
        try {
            const auto r = qforge::serve::parse_chat_request(j, nlohmann::ordered_json::parse(body));
            volatile std::size_t n = r.messages.size();
            (void)n;
        } catch (const qforge::Error&) {
        }
    } catch (const qforge::Error&) {
    }
    return 0;
}
