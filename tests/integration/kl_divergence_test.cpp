// KL-divergence against base log-probabilities in llama.cpp's _logits_ layout.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "core/error.h"
#include "eval/kl_divergence.h"
#include "eval/perplexity.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

namespace qforge {
namespace {

PerplexityResult write_base(const std::string& gguf, const std::string& text, std::int64_t n_ctx,
                            std::int64_t chunks, const std::string& out) {
    const LlamaModel model(gguf);
    const Tokenizer tok = Tokenizer::from_gguf(model.file().metadata(), gguf);
    ThreadPool pool(0);
    PerplexityOptions o;
    o.n_ctx = n_ctx;
    o.n_chunks = chunks;
    o.kl_base_path = out;
    return compute_perplexity(model, tok, test::read_file_bytes(text), o, pool);
}

KldSummary compare(const std::string& gguf, const std::string& base, std::vector<std::string>* lines = nullptr) {
    const LlamaModel model(gguf);
    const Tokenizer tok = Tokenizer::from_gguf(model.file().metadata(), gguf);
    ThreadPool pool(0);
    return compute_kl_divergence(model, tok, LogitsFileReader(base), pool, [&](const std::string& l) {
        if (lines) lines->push_back(l);
    });
}

TEST(KlDivergence, AModelAgainstItselfDivergesByRoundingOnly) {
    test::TempDir dir;
    const std::string model = test::fixture("gguf/stories260K-f32.gguf");
    const PerplexityResult p =
        write_base(model, test::fixture("text/tinystories-sample.txt"), 128, 4, dir.file("base.kld"));
    std::vector<std::string> lines;
    const KldSummary s = compare(model, dir.file("base.kld"), &lines);
    EXPECT_EQ(s.count, 4 * 63);
    EXPECT_LT(std::fabs(s.mean_kld), 1e-4);
    EXPECT_DOUBLE_EQ(s.same_top, 1.0);
    // PPL(Q) is the perplexity run's; PPL(base) comes from 16-bit log-probabilities clipped 16 nats below the top
    // one, so it reads lower, in llama.cpp too.
    EXPECT_NEAR(s.ppl, p.ppl, p.ppl * 1e-4);
    EXPECT_LE(s.ppl_base, s.ppl);
    // llama.cpp's report lines, so its parsers read ours
    auto has = [&](const std::string& prefix) {
        return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) { return l.starts_with(prefix); });
    };
    EXPECT_TRUE(has("chunk             PPL               ln(PPL(Q)/PPL(base))"));
    EXPECT_TRUE(has("Mean    KLD: "));
    EXPECT_TRUE(has("Same top p: "));
    EXPECT_TRUE(has("RMS Δp    : "));
    EXPECT_TRUE(has("99.9%   KLD: "));
}

TEST(KlDivergence, RefusesBrokenOrMismatchedBaseFiles) {
    test::TempDir dir;
    dir.write("bad.kld", "_logitz_12345678901234567890");
    EXPECT_THROW(LogitsFileReader(dir.file("bad.kld")), Error);
    const std::string model = test::fixture("gguf/stories260K-f32.gguf");
    write_base(model, test::fixture("text/tinystories-sample.txt"), 128, 2, dir.file("base.kld"));
    const std::string bytes = test::read_file_bytes(dir.file("base.kld"));
    dir.write("short.kld", bytes.substr(0, bytes.size() - 10));
    EXPECT_THROW(LogitsFileReader(dir.file("short.kld")), Error);
    // a base file from another vocabulary
    EXPECT_THROW(compare(test::fixture("gguf/pydoc6m-f32.gguf"), dir.file("base.kld")), Error);
}

// The full pydoc6m figures (minutes; excluded from the sanitizer run with the other *Figure tests).
TEST(KlDivergenceFigure, PureQ8_0AgainstOurF32BaseMatchesLlamaCpp) {
    test::TempDir dir;
    const std::string text = test::fixture("text/pydoc-test.txt");
    write_base(test::fixture("gguf/pydoc6m-f32.gguf"), text, 256, -1, dir.file("base.kld"));

    // header: "_logits_", n_ctx, n_vocab, n_chunk, then the tokens llama.cpp's tokenizer gives
    const std::string bytes = test::read_file_bytes(dir.file("base.kld"));
    ASSERT_GT(bytes.size(), 20u);
    EXPECT_EQ(bytes.substr(0, 8), "_logits_");
    std::int32_t head[3];
    std::memcpy(head, bytes.data() + 8, 12);
    EXPECT_EQ(head[0], 256);
    EXPECT_EQ(head[1], 4096);
    EXPECT_EQ(head[2], 312);
    GgufFile f32(test::fixture("gguf/pydoc6m-f32.gguf"));
    const auto tokens = Tokenizer::from_gguf(f32.metadata(), "pydoc6m").encode(test::read_file_bytes(text), true, false);
    ASSERT_GE(tokens.size(), 312u * 256u);
    EXPECT_EQ(std::memcmp(bytes.data() + 20, tokens.data(), 312u * 256u * 4u), 0);
    EXPECT_EQ(bytes.size(), 20u + 312u * 256u * 4u + 312u * 127u * (4096u + 4u) * 2u);

    // llama.cpp (reference/pydoc6m-llamacpp-ppl-kld.tsv): mean KLD 0.000084, same top 99.326 %, PPL(base) 22.907868
    const KldSummary s = compare(test::fixture("gguf/pydoc6m-pure-q8_0.gguf"), dir.file("base.kld"));
    EXPECT_NEAR(s.mean_kld, 0.000084, 0.0000005) << "two significant digits";
    EXPECT_NEAR(s.same_top * 100.0, 99.326, 0.1);
    EXPECT_NEAR(s.ppl_base, 22.907868, 22.907868 * 1e-4);
    EXPECT_NEAR(s.ppl, 22.941769, 22.941769 * 1e-3);
}

}  // namespace
}  // namespace qforge
