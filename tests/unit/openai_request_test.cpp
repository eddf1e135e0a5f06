// The OpenAI request parser: a full body reads into the fields the engine uses, every crafted bad body is a
// 400 ApiError naming what is wrong, and chat messages keep the client's key order (templates print it).
#include <gtest/gtest.h>

#include "serve/api_error.h"
#include "serve/completion_request.h"
#include "support/bad_inputs.h"

namespace qforge::serve {
namespace {

TEST(OpenAiRequest, AFullBodyReadsIntoTheEngineFields) {
    const auto body = parse_json_body(test::valid_openai_request());
    const CompletionRequest c = parse_completion_request(body, 4096);
    ASSERT_EQ(c.prompts.size(), 2u);
    EXPECT_EQ(std::get<std::string>(c.prompts[0]), "def f(");
    EXPECT_EQ(std::get<std::vector<std::int32_t>>(c.prompts[1]), (std::vector<std::int32_t>{1, 2, 3}));
    EXPECT_EQ(c.max_tokens, 16);
    EXPECT_FLOAT_EQ(c.sampling.temperature, 0.7f);
    EXPECT_FLOAT_EQ(c.sampling.top_p, 0.9f);
    EXPECT_EQ(c.sampling.top_k, 40);
    EXPECT_EQ(c.sampling.seed, 7u);
    EXPECT_FLOAT_EQ(c.sampling.repeat_penalty, 1.1f);
    EXPECT_EQ(c.stop, (std::vector<std::string>{"\n\n", "END"}));
    EXPECT_TRUE(c.stream);
    EXPECT_TRUE(c.include_usage);
    EXPECT_EQ(c.top_logprobs, 2);
    // chat's logprobs is a boolean: the completions' count is refused there
    EXPECT_THROW(parse_chat_request(body, nlohmann::ordered_json::parse(test::valid_openai_request())), ApiError);
    auto chat = body;
    chat["logprobs"] = true;
    const ChatRequest r = parse_chat_request(chat, nlohmann::ordered_json::parse(test::valid_openai_request()));
    ASSERT_EQ(r.messages.size(), 2u);
    EXPECT_EQ(r.messages[1]["content"], "Hi");  // text parts joined
    EXPECT_EQ(r.top_logprobs, 1);
    EXPECT_EQ(r.tools[0]["type"], "function");
    // the client's key order
    EXPECT_EQ(r.tools[0].begin().key(), "type");
}

TEST(OpenAiRequest, DefaultsAreLlamaServers) {
    const CompletionRequest c = parse_completion_request(parse_json_body(R"({"prompt": "x"})"), 100);
    EXPECT_FALSE(c.max_tokens.has_value());
    EXPECT_FLOAT_EQ(c.sampling.temperature, 0.8f);
    EXPECT_EQ(c.sampling.top_k, 40);
    EXPECT_FLOAT_EQ(c.sampling.min_p, 0.05f);
    EXPECT_EQ(c.top_logprobs, -1);
    EXPECT_EQ(parse_completion_request(parse_json_body(R"({"prompt": "x", "max_tokens": 16.0})"), 100).max_tokens, 16);
}

TEST(OpenAiRequest, BadBodiesAreFourHundredsNamingTheField) {
    for (const auto& bad : test::bad_openai_request_inputs()) {
        try {
            const auto body = parse_json_body(bad.bytes);
            if (body.contains("messages")) parse_chat_request(body, nlohmann::ordered_json::parse(bad.bytes));
            else parse_completion_request(body, 4096);
            ADD_FAILURE() << bad.name << " was accepted";
        } catch (const ApiError& e) {
            EXPECT_EQ(e.status(), 400) << bad.name;
            EXPECT_NE(std::string(e.what()).find(bad.expected), std::string::npos) << bad.name << ": " << e.what();
            const auto j = error_body(e);
            EXPECT_EQ(j["error"]["type"], "invalid_request_error");
            EXPECT_EQ(j["error"]["code"], 400);
        }
    }
}

}  // namespace
}  // namespace qforge::serve
