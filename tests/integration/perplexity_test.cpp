// Perplexity of pydoc6m on pydoc-test.txt at -c 256 agrees with llama-perplexity's figures
// (../shared/fixtures/README.md): 0.01 % for F32, 0.1 % for F16, BF16 and the legacy quantized types. The early chunks' running
// values match llama.cpp's log to its printed precision.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "core/error.h"
#include "eval/perplexity.h"
#include "support/fixtures.h"

namespace qforge {
namespace {

PerplexityResult run(const std::string& gguf, std::int64_t chunks, std::vector<double>* running = nullptr) {
    const LlamaModel model(test::fixture(gguf));
    const Tokenizer tok = Tokenizer::from_gguf(model.file().metadata(), gguf);
    ThreadPool pool(0);
    PerplexityOptions o;
    o.n_ctx = 256;
    o.n_chunks = chunks;
    if (running) o.on_chunk = [&](std::int64_t, double p) { running->push_back(p); };
    return compute_perplexity(model, tok, test::read_file_bytes(test::fixture("text/pydoc-test.txt")), o, pool);
}

TEST(Perplexity, FirstChunksFollowLlamaCppsRunningValues) {
    std::vector<double> running;
    run("gguf/pydoc6m-f32.gguf", 12, &running);
    // [1]31.4660,[2]28.3690,... from reference/llamacpp-pydoc6m-ppl-f32.log.txt
    const double expected[] = {31.4660, 28.3690, 23.0381, 19.4159, 21.6658, 22.0145,
                               21.8054, 21.9667, 21.6600, 22.1371, 22.2565, 21.1637};
    ASSERT_EQ(running.size(), 12u);
    for (std::size_t i = 0; i < 12; ++i) EXPECT_NEAR(running[i], expected[i], expected[i] * 1e-4) << "chunk " << i + 1;
}

struct Figure {
    const char* gguf;
    double ppl, tolerance;  // relative
};

// Test names from the file (gtest would print the struct's bytes, pointers included).
void PrintTo(const Figure& f, std::ostream* os) { *os << f.gguf; }

class PerplexityFigure : public ::testing::TestWithParam<Figure> {};

TEST_P(PerplexityFigure, AgreesWithLlamaCpp) {
    const Figure f = GetParam();
    const PerplexityResult r = run(f.gguf, -1);
    EXPECT_EQ(r.n_chunks, 312);
    EXPECT_NEAR(r.ppl, f.ppl, f.ppl * f.tolerance) << f.gguf << ": ours " << r.ppl << ", llama.cpp " << f.ppl;
    // the README's table is made from these lines (ctest's log keeps them)
    std::printf("%s: PPL %.4f, llama.cpp %.4f, %+.3f %%\n", f.gguf, r.ppl, f.ppl, 100.0 * (r.ppl / f.ppl - 1.0));
}

// Figures from ../shared/fixtures/reference/pydoc6m-llamacpp-ppl-kld.tsv
INSTANTIATE_TEST_SUITE_P(Pydoc6m, PerplexityFigure,
                         ::testing::Values(Figure{"gguf/pydoc6m-f32.gguf", 22.940177, 1e-4},
                                           Figure{"gguf/pydoc6m-f16.gguf", 22.940175, 1e-3},
                                           Figure{"gguf/pydoc6m-bf16.gguf", 22.940492, 1e-3},
                                           Figure{"gguf/pydoc6m-pure-q8_0.gguf", 22.941769, 1e-3},
                                           Figure{"gguf/pydoc6m-pure-q4_0.gguf", 23.176057, 1e-3},
                                           Figure{"gguf/pydoc6m-pure-q4_1.gguf", 23.128703, 1e-3},
                                           Figure{"gguf/pydoc6m-pure-q5_0.gguf", 23.001794, 1e-3},
                                           Figure{"gguf/pydoc6m-pure-q5_1.gguf", 22.988477, 1e-3},
                                           Figure{"gguf/pydoc6m-pure-q2_k.gguf", 25.909253, 1e-3},
                                           Figure{"gguf/pydoc6m-pure-q3_k.gguf", 23.532960, 1e-3},
                                           Figure{"gguf/pydoc6m-pure-q4_k.gguf", 23.056539, 1e-3},
                                           Figure{"gguf/pydoc6m-pure-q5_k.gguf", 22.972811, 1e-3},
                                           Figure{"gguf/pydoc6m-pure-q6_k.gguf", 22.961093, 1e-3},
                                           Figure{"gguf/pydoc6m-pure-iq4_nl.gguf", 23.124101, 1e-3},
                                           Figure{"gguf/pydoc6m-pure-iq4_xs.gguf", 23.120402, 1e-3},
                                           Figure{"gguf/pydoc6m-q4_k_m-imatrix.gguf", 23.020152, 1e-3}),
                         [](const auto& info) {
                             std::string n = info.param.gguf;
                             n = n.substr(5, n.size() - 10);
                             for (char& c : n)
                                 if (c == '-') c = '_';
                             return n;
                         });

TEST(Perplexity, RefusesTextShorterThanTwoChunks) {
    const LlamaModel model(test::fixture("gguf/pydoc6m-f32.gguf"));
    const Tokenizer tok = Tokenizer::from_gguf(model.file().metadata(), "pydoc6m");
    ThreadPool pool(1);
    PerplexityOptions o;
    o.n_ctx = 256;
    EXPECT_THROW(compute_perplexity(model, tok, "too short", o, pool), Error);
}

}  // namespace
}  // namespace qforge

namespace qforge {
namespace {

TEST(StoriesPerplexityFigure, BeyondItsTrainingContextMatchesLlamaCpp) {
    // llama-perplexity -m stories260K-f32.gguf -f tinystories-sample.txt -c 256: "Final estimate: PPL = 7.4292 +/- 0.08297"
    const LlamaModel model(test::fixture("gguf/stories260K-f32.gguf"));
    const Tokenizer tok = Tokenizer::from_gguf(model.file().metadata(), "stories260K");
    ThreadPool pool(0);
    PerplexityOptions o;
    o.n_ctx = 256;  // the file says 128 (llama.cpp's converter default): refused unless asked for
    const std::string text = test::read_file_bytes(test::fixture("text/tinystories-sample.txt"));
    EXPECT_THROW(compute_perplexity(model, tok, text, o, pool), Error);
    o.allow_beyond_training_context = true;
    const PerplexityResult r = compute_perplexity(model, tok, text, o, pool);
    EXPECT_NEAR(r.ppl, 7.4292, 0.00006);
    EXPECT_NEAR(r.ppl_error, 0.08297, 0.000006);
}

}  // namespace
}  // namespace qforge
