// qforge eval against llama-perplexity --hellaswag --hellaswag-tasks 1000 on the fixture's first 1000
// HellaSwag tasks (figures in ../shared/fixtures/README.md): the same acc_norm, to 0.1 points.
#include <gtest/gtest.h>

#include <set>

#include "core/error.h"
#include "eval/mc_tasks.h"
#include "eval/multiple_choice.h"
#include "model/llama_model.h"
#include "support/fixtures.h"
#include "tokenizer/tokenizer.h"

namespace qforge {
namespace {

McResult hellaswag(const char* model_file, std::size_t limit) {
    const LlamaModel model(test::fixture(model_file));
    const Tokenizer tok = Tokenizer::from_gguf(model.file().metadata(), model.file().path());
    const auto path = test::fixture("text/hellaswag_val_1000.txt");
    const auto tasks = parse_hellaswag_text(test::read_file_bytes(path), path);
    EXPECT_EQ(tasks.size(), 1000u);
    ThreadPool pool(1);  // tasks are a few dozen tokens: one thread is faster than two
    McOptions o;
    o.limit = limit;
    o.allow_beyond_training_context = true;  // stories260K's GGUF says 128; llama.cpp evaluates at 512 regardless
    return score_multiple_choice(model, tok, tasks, o, pool);
}

TEST(HellaSwagFigure, Stories260KMatchesLlamaCpp) {
    const McResult r = hellaswag("gguf/stories260K-f32.gguf", 1000);
    EXPECT_EQ(r.tasks, 1000u);
    EXPECT_NEAR(r.acc_norm, 26.40, 0.1);
}

TEST(HellaSwagFigure, Pydoc6mMatchesLlamaCpp) {
    const McResult r = hellaswag("gguf/pydoc6m-f32.gguf", 1000);
    EXPECT_NEAR(r.acc_norm, 28.50, 0.1);
}

TEST(MultipleChoice, LlamaTaskOrderIsADeterministicDrawWithoutReplacement) {
    const auto a = llama_task_order(50, 20, true), b = llama_task_order(50, 20, true);
    EXPECT_EQ(a, b);
    EXPECT_EQ(std::set<std::size_t>(a.begin(), a.end()).size(), 20u);
    for (auto i : a) EXPECT_LT(i, 50u);
    EXPECT_EQ(llama_task_order(5, 9, false), (std::vector<std::size_t>{0, 1, 2, 3, 4}));
}

TEST(MultipleChoice, JsonLinesTasksScore) {
    const std::string jsonl =
        R"({"context": "The dictionary", "choices": ["is a mapping type.", "banana banana banana."], "label": 0})" "\n"
        R"({"context": "A list is", "choices": ["xq zv wy.", "a mutable sequence."], "label": 1})" "\n";
    const auto tasks = parse_mc_jsonl(jsonl, "tasks.jsonl");
    ASSERT_EQ(tasks.size(), 2u);
    const LlamaModel model(test::fixture("gguf/pydoc6m-f32.gguf"));
    const Tokenizer tok = Tokenizer::from_gguf(model.file().metadata(), model.file().path());
    ThreadPool pool(1);
    const McResult r = score_multiple_choice(model, tok, tasks, {}, pool);
    EXPECT_EQ(r.tasks, 2u);
    EXPECT_EQ(r.acc_norm, 100.0);  // a model trained on the Python docs knows these
}

TEST(MultipleChoice, BadTaskFilesAreRefusedByLine) {
    auto message = [](auto fn) {
        try {
            fn();
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    EXPECT_NE(message([] { parse_hellaswag_text("a\n1\nb\nc\nd\n", "hs.txt"); }).find("not a multiple of 6"), std::string::npos);
    EXPECT_NE(message([] { parse_hellaswag_text("a\nx\nb\nc\nd\ne\n", "hs.txt"); }).find("line 2"), std::string::npos);
    EXPECT_NE(message([] { parse_mc_jsonl("{\"context\":\"a\",\"choices\":[\"b\"],\"label\":0}\n", "t.jsonl"); })
                  .find("at least two"), std::string::npos);
    EXPECT_NE(message([] { parse_mc_jsonl("{\"context\":\"a\",\"choices\":[\"b\",\"c\"],\"label\":2}\n", "t.jsonl"); })
                  .find("not a choice index"), std::string::npos);
    EXPECT_NE(message([] { parse_mc_jsonl("nope\n", "t.jsonl"); }).find("t.jsonl: line 1"), std::string::npos);
}

}  // namespace
}  // namespace qforge
