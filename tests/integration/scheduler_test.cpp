// The batched engine through the continuous-batching scheduler, on the fixture models: a greedy request gives
// the same tokens and the same log-probabilities (bit for bit) alone and among 15 others; a prompt already in
// the pool is reused and changes nothing; prompt log-probabilities equal the single-sequence session's; a
// callback that returns false cancels its request and frees its slot; a full queue refuses.
#include <gtest/gtest.h>

#include <cmath>
#include <future>
#include <map>
#include <mutex>

#include "core/error.h"
#include "model/llama_session.h"
#include "runtime/logprobs.h"
#include "runtime/scheduler.h"
#include "support/fixtures.h"
#include "support/scheduler_runs.h"

namespace qforge {
namespace {

using test::Outcome;
using test::run_all;
using test::greedy_requests;

class SchedulerOnModel : public ::testing::TestWithParam<const char*> {};

TEST_P(SchedulerOnModel, AGreedyRequestGivesTheSameTokensAloneAndAmongFifteenOthers) {
    const std::string path = test::fixture(std::string("gguf/") + GetParam());
    const LlamaModel model(path);
    const Tokenizer tok = Tokenizer::from_gguf(model.file().metadata(), path);
    test::expect_batched_equals_alone(model, tok, 16, 24, 128);
}

INSTANTIATE_TEST_SUITE_P(Models, SchedulerOnModel,
                         ::testing::Values("pydoc6m-f32.gguf", "pydoc6m-f16.gguf", "pydoc6m-bf16.gguf", "pydoc6m-pure-q8_0.gguf",
                                           "pydoc6m-pure-q4_0.gguf", "pydoc6m-q4_k_m.gguf", "pydoc6m-pure-iq4_xs.gguf",
                                           "stories260K-f32.gguf"),
                         [](const auto& info) {
                             std::string n = info.param;
                             for (char& c : n)
                                 if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                             return n;
                         });

struct SchedulerPydoc : ::testing::Test {
    std::string path = test::fixture("gguf/pydoc6m-q4_k_m.gguf");
    LlamaModel model{path};
    Tokenizer tok = Tokenizer::from_gguf(model.file().metadata(), path);
    ThreadPool pool{2};
};

TEST_F(SchedulerPydoc, APromptAlreadyInThePoolIsReusedAndChangesNothing) {
    SchedulerOptions o;
    o.parallel = 2;
    o.n_ctx = 256;
    Scheduler s(model, tok, pool, o);
    SequenceRequest r;
    r.prompt = tok.encode("def parse_arguments(argv):\n    \"\"\"Parse the command line arguments and return them.\"\"\"\n", true, false);
    r.max_tokens = 16;
    r.sampling.temperature = 0.0f;
    r.top_logprobs = 0;
    const Outcome first = run_all(s, {r})[0];
    const Outcome second = run_all(s, {r})[0];
    EXPECT_EQ(first.cached, 0);
    const auto whole_blocks = (static_cast<std::int64_t>(r.prompt.size()) - 1) / o.block_tokens * o.block_tokens;
    EXPECT_GT(whole_blocks, 0);
    EXPECT_EQ(second.cached, whole_blocks);
    EXPECT_EQ(second.tokens, first.tokens);
    EXPECT_EQ(second.logprobs, first.logprobs);
    // a prompt that continues the first request's text reuses its prompt and generated blocks too
    SequenceRequest longer = r;
    longer.prompt.insert(longer.prompt.end(), first.tokens.begin(), first.tokens.end());
    const Outcome third = run_all(s, {longer})[0];
    EXPECT_GE(third.cached, whole_blocks);
    EXPECT_GT(s.metrics().prompt_tokens_cached, 0u);
}

TEST_F(SchedulerPydoc, PromptLogprobsEqualTheSingleSequenceSessions) {
    SchedulerOptions o;
    o.parallel = 4;
    o.n_ctx = 256;
    o.max_batch = 20;  // the prompt in chunks
    Scheduler s(model, tok, pool, o);
    SequenceRequest r;
    r.prompt = tok.encode("import numpy as np\n\ndef mean(values):\n    return sum(values) / len(values)\n", true, false);
    r.max_tokens = 0;
    r.prompt_logprobs = true;
    r.prompt_top_logprobs = 2;
    const Outcome out = run_all(s, {r, r, r})[2];
    ASSERT_EQ(out.prompt_logprobs.size(), r.prompt.size() - 1);
    LlamaSession session(model, 256, pool);
    std::vector<float> logits;
    session.decode(r.prompt, true, logits);
    const std::int64_t V = model.hparams().n_vocab;
    for (std::size_t i = 0; i + 1 < r.prompt.size(); ++i) {
        const TokenLogprob want = token_logprob(logits.data() + static_cast<std::int64_t>(i) * V, V, r.prompt[i + 1], 2);
        EXPECT_EQ(out.prompt_logprobs[i].logprob, want.logprob) << i;
        ASSERT_EQ(out.prompt_logprobs[i].top.size(), 2u);
        EXPECT_EQ(out.prompt_logprobs[i].top, want.top);
        EXPECT_LE(out.prompt_logprobs[i].logprob, 0.0f);
    }
    EXPECT_EQ(out.reason, FinishReason::Length);
    EXPECT_TRUE(out.tokens.empty());
}

TEST_F(SchedulerPydoc, ACallbackThatSaysNoCancelsAndFreesTheSlot) {
    SchedulerOptions o;
    o.parallel = 1;
    o.n_ctx = 256;
    Scheduler s(model, tok, pool, o);
    std::promise<FinishReason> done;
    int tokens = 0;
    SequenceRequest r;
    r.prompt = tok.encode("def ", true, false);
    r.max_tokens = 100;
    r.ignore_eos = true;
    r.on_event = [&](const SequenceEvent& e) {
        if (e.kind == SequenceEvent::Kind::Finished) done.set_value(e.reason);
        return e.kind != SequenceEvent::Kind::Token || ++tokens < 3;
    };
    s.submit(std::move(r));
    EXPECT_EQ(done.get_future().get(), FinishReason::Cancelled);
    EXPECT_EQ(tokens, 3);
    // the slot is free: the next request runs
    SequenceRequest next;
    next.prompt = tok.encode("x", true, false);
    next.max_tokens = 2;
    next.ignore_eos = true;
    EXPECT_EQ(run_all(s, {next})[0].tokens.size(), 2u);
    EXPECT_EQ(s.metrics().requests_cancelled, 1u);
    EXPECT_EQ(s.metrics().kv.in_use, 0);
}

TEST_F(SchedulerPydoc, AFullQueueRefusesAndBadRequestsAreRefusedAtOnce) {
    SchedulerOptions o;
    o.parallel = 1;
    o.n_ctx = 64;
    o.max_queue = 1;
    Scheduler s(model, tok, pool, o);
    std::promise<void> release, started, finished;
    auto gate = release.get_future().share();
    SequenceRequest blocker;
    blocker.prompt = tok.encode("def ", true, false);
    blocker.max_tokens = 1;
    blocker.on_event = [&, first = true](const SequenceEvent& e) mutable {
        if (first) {
            first = false;
            started.set_value();
            gate.wait();  // holds the engine thread
        }
        if (e.kind == SequenceEvent::Kind::Finished) finished.set_value();
        return true;
    };
    s.submit(std::move(blocker));
    started.get_future().wait();
    SequenceRequest waiting;
    waiting.prompt = tok.encode("x", true, false);
    waiting.max_tokens = 1;
    s.submit(waiting);                                // queued
    EXPECT_THROW(s.submit(waiting), QueueFull);       // the queue holds one
    release.set_value();
    finished.get_future().wait();

    SequenceRequest bad = waiting;
    bad.prompt = {static_cast<std::int32_t>(model.hparams().n_vocab)};
    EXPECT_THROW(s.submit(bad), Error);
    bad.prompt.assign(64, 1);
    EXPECT_THROW(s.submit(bad), Error);  // prompt + one token beyond the context
    bad.prompt.clear();
    EXPECT_THROW(s.submit(bad), Error);
}

}  // namespace
}  // namespace qforge
