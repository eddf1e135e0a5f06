#include "support/scheduler_runs.h"

#include <gtest/gtest.h>

#include <future>
#include <string>

namespace qforge::test {

std::vector<Outcome> run_all(Scheduler& s, const std::vector<SequenceRequest>& requests) {
    std::vector<Outcome> out(requests.size());
    std::vector<std::promise<void>> done(requests.size());
    for (std::size_t i = 0; i < requests.size(); ++i) {
        SequenceRequest r = requests[i];
        r.on_event = [&out, &done, i](const SequenceEvent& e) {
            Outcome& o = out[i];
            if (e.kind == SequenceEvent::Kind::Prompt) {
                o.cached = e.cached_tokens;
                o.prompt_logprobs = e.prompt_logprobs;
            } else if (e.kind == SequenceEvent::Kind::Token) {
                o.tokens.push_back(e.token.token);
                o.logprobs.push_back(e.token.logprob);
            } else {
                o.reason = e.reason;
                done[i].set_value();
            }
            return true;
        };
        s.submit(std::move(r));
    }
    for (auto& d : done) d.get_future().wait();
    return out;
}

std::vector<SequenceRequest> greedy_requests(const Tokenizer& tok, int n, std::int64_t max_tokens) {
    const char* starts[] = {"def ", "import os\n", "class Foo:\n    ", "# Return the", "for i in range(", "The quick brown fox",
                            "if __name__ == ", "x = [", "return self.", "print(", "while True:\n", "with open(",
                            "lambda x:", "try:\n    ", "from typing import", "async def main():"};
    std::vector<SequenceRequest> rs;
    for (int i = 0; i < n; ++i) {
        SequenceRequest r;
        r.prompt = tok.encode(std::string(starts[i % 16]) + std::string(static_cast<std::size_t>(i / 16), ' '), true, false);
        r.max_tokens = max_tokens;
        r.sampling.temperature = 0.0f;
        r.top_logprobs = 0;
        r.ignore_eos = true;
        rs.push_back(std::move(r));
    }
    return rs;
}

void expect_batched_equals_alone(const LlamaModel& model, const Tokenizer& tok, int n, std::int64_t max_tokens, std::int64_t n_ctx,
                                 std::int64_t max_batch) {
    ThreadPool pool(2);
    const auto requests = greedy_requests(tok, n, max_tokens);
    std::vector<Outcome> alone;
    {
        SchedulerOptions o;
        o.parallel = 1;
        o.n_ctx = n_ctx;
        Scheduler s(model, tok, pool, o);
        for (const auto& r : requests) alone.push_back(run_all(s, {r})[0]);
    }
    SchedulerOptions o;
    o.parallel = n;
    o.n_ctx = n_ctx;
    o.max_batch = max_batch;
    Scheduler s(model, tok, pool, o);
    const auto together = run_all(s, requests);
    for (std::size_t i = 0; i < requests.size(); ++i) {
        EXPECT_EQ(together[i].tokens, alone[i].tokens) << "request " << i;
        ASSERT_EQ(together[i].logprobs.size(), alone[i].logprobs.size());
        for (std::size_t j = 0; j < alone[i].logprobs.size(); ++j)
            EXPECT_EQ(together[i].logprobs[j], alone[i].logprobs[j]) << "request " << i << " token " << j;
        EXPECT_EQ(together[i].reason, FinishReason::Length);
        EXPECT_EQ(together[i].tokens.size(), static_cast<std::size_t>(max_tokens));
    }
    EXPECT_EQ(s.metrics().requests_finished, static_cast<std::uint64_t>(n));
}

}  // namespace qforge::test
