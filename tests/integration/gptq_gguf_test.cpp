// GPTQ into standard GGUF blocks: pydoc6m quantized with --method gptq (calibration on pydoc-valid.txt, layer by
// layer) is closer to the F32 model than llama-quantize's files of the same type (same format, same size),
// measured by KL-divergence on pydoc-test.txt: pure Q4_0 against llama-quantize's pure Q4_0, and the Q4_K_M mix
// against llama-quantize's Q4_K_M made with the fixture imatrix; and the files are ordinary GGUFs of that type.
#include <gtest/gtest.h>

#include <string>

#include "core/thread_pool.h"
#include "eval/kl_divergence.h"
#include "eval/perplexity.h"
#include "formats/gguf/gguf_file.h"
#include "model/llama_model.h"
#include "qforge/qforge.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"
#include "tokenizer/tokenizer.h"

namespace qforge {
namespace {

double mean_kld(const std::string& model_path, const LogitsFileReader& base, ThreadPool& pool) {
    const LlamaModel model(model_path);
    const Tokenizer tok = Tokenizer::from_gguf(model.file().metadata(), model.file().path());
    return compute_kl_divergence(model, tok, base, pool, [](const std::string&) {}).mean_kld;
}

// The F32 model's log-probabilities on the first `chunks` chunks of pydoc-test.txt (-c 256), the KL-divergence base.
std::string write_f32_logits(const test::TempDir& dir, int chunks, ThreadPool& pool) {
    const LlamaModel base(test::fixture("gguf/pydoc6m-f32.gguf"));
    const Tokenizer tok = Tokenizer::from_gguf(base.file().metadata(), base.file().path());
    PerplexityOptions p;
    p.n_ctx = 256;
    p.n_chunks = chunks;
    p.kl_base_path = dir.file("base.kld");
    compute_perplexity(base, tok, test::read_file_bytes(test::fixture("text/pydoc-test.txt")), p, pool);
    return p.kl_base_path;
}

TEST(GptqFigure, Q4_0CloserToF32ThanLlamaQuantize) {
    test::TempDir dir;
    QuantizeRequest q;
    q.input = test::fixture("gguf/pydoc6m-f32.gguf");
    q.output = dir.file("gptq-q4_0.gguf");
    q.type = "Q4_0";
    q.pure = true;
    q.progress = false;
    q.method = "gptq";
    q.calib = test::fixture("text/pydoc-valid.txt");
    q.calib_samples = 16;
    q.calib_ctx = 256;
    const QuantizeResult r = quantize(q);
    EXPECT_EQ(r.gptq_tensors, 43);  // every matrix but token_embd (a lookup, no inputs to calibrate)
    {
        GgufFile ours(q.output), theirs(test::fixture("gguf/pydoc6m-pure-q4_0.gguf"));
        ASSERT_EQ(ours.tensors().size(), theirs.tensors().size());
        for (std::size_t i = 0; i < ours.tensors().size(); ++i) {
            EXPECT_EQ(ours.tensors()[i].type, theirs.tensors()[i].type);
            EXPECT_EQ(ours.tensors()[i].data.size(), theirs.tensors()[i].data.size());
        }
        EXPECT_TRUE(ours.metadata() == theirs.metadata());
    }
    ThreadPool pool(0);
    const LogitsFileReader logits(write_f32_logits(dir, 40, pool));
    const double gptq = mean_kld(q.output, logits, pool);
    const double rtn = mean_kld(test::fixture("gguf/pydoc6m-pure-q4_0.gguf"), logits, pool);
    std::printf("mean KLD against F32, 40 chunks: GPTQ Q4_0 %.6f, llama-quantize Q4_0 %.6f\n", gptq, rtn);
    EXPECT_LT(gptq, 0.8 * rtn);

    q.output = dir.file("gptq-q4_k_m.gguf");
    q.type = "Q4_K_M";
    q.pure = false;
    const QuantizeResult mix = quantize(q);
    EXPECT_EQ(mix.gptq_tensors, 43);
    {
        GgufFile ours(q.output), theirs(test::fixture("gguf/pydoc6m-q4_k_m-imatrix.gguf"));
        ASSERT_EQ(ours.tensors().size(), theirs.tensors().size());
        for (std::size_t i = 0; i < ours.tensors().size(); ++i) EXPECT_EQ(ours.tensors()[i].type, theirs.tensors()[i].type);
    }
    const double gptq_mix = mean_kld(q.output, logits, pool);
    const double imatrix_mix = mean_kld(test::fixture("gguf/pydoc6m-q4_k_m-imatrix.gguf"), logits, pool);
    std::printf("mean KLD against F32, 40 chunks: GPTQ Q4_K_M %.6f, llama-quantize Q4_K_M with imatrix %.6f\n", gptq_mix, imatrix_mix);
    EXPECT_LT(gptq_mix, 0.9 * imatrix_mix);
}

// The codebook types: GPTQ rounds groups of 8 columns onto codebook points (CodebookGrid). The IQ2_XS mix with the
// fixture imatrix, against the same mix as llama-quantize writes it with that imatrix (qforge's own quantizer writes
// those bytes: iquant_quantize_test holds it to llama-quantize's SHA-256s). The IQ3 path (two 4-coordinate points
// a group) is held by unit.Types/GptqGgufGrid and unit.Types/CodebookGridTest; the README has every mix's figure.
TEST(GptqFigure, CodebookMixesCloserToF32ThanLlamaQuantizeWithImatrix) {
    test::TempDir dir;
    ThreadPool pool(0);
    const LogitsFileReader logits(write_f32_logits(dir, 24, pool));
    QuantizeRequest q;
    q.input = test::fixture("gguf/pydoc6m-f32.gguf");
    q.output = dir.file("rtn-iq2_xs.gguf");
    q.type = "IQ2_XS";
    q.imatrix = test::fixture("gguf/pydoc6m.imatrix");
    q.progress = false;
    quantize(q);
    const std::string rtn_path = q.output;
    q.output = dir.file("gptq-iq2_xs.gguf");
    q.method = "gptq";
    q.calib = test::fixture("text/pydoc-valid.txt");
    q.calib_samples = 32;
    q.calib_ctx = 256;
    const QuantizeResult r = quantize(q);
    EXPECT_EQ(r.gptq_tensors, 43);
    {
        GgufFile ours(q.output), theirs(rtn_path);
        ASSERT_EQ(ours.tensors().size(), theirs.tensors().size());
        for (std::size_t i = 0; i < ours.tensors().size(); ++i) EXPECT_EQ(ours.tensors()[i].type, theirs.tensors()[i].type);
    }
    const double gptq = mean_kld(q.output, logits, pool), rtn = mean_kld(rtn_path, logits, pool);
    std::printf("mean KLD against F32, 24 chunks: GPTQ IQ2_XS %.6f, llama-quantize IQ2_XS with imatrix %.6f (%.3fx)\n", gptq, rtn, gptq / rtn);
    EXPECT_LT(gptq, 0.9 * rtn);  // 0.817x when written; 0.76x with 128 samples on 60 chunks (README)
}

}  // namespace
}  // namespace qforge
