// Gemma 2 through the pipeline: embeddings scaled by sqrt(n_embd) and tied to the output, (1 + w) norms stored as
// 1 + w, post-attention and post-feed-forward norms, GeGLU, queries scaled before their products, attention and
// final soft-capping, and a sliding window in the even layers. On a random-weight checkpoint the project's
// generator writes at test time (model/synthetic_checkpoint.h, pydoc6m's SentencePiece tokenizer), of 26 layers
// because llama.cpp c392e509 runs Gemma 2 only at the layer counts of the released sizes (26: "2B"):
//   make_synthetic_model g2 --format hf --arch gemma2 --tokenizer ../shared/fixtures/models/pydoc6m --n-embd 256
//     --n-layer 26 --n-head 4 --n-head-kv 2 --head-dim 64 --n-ff 256 --n-vocab 4096 --type f32 --sliding-window 48
// (soft caps 50 and 30 as the released models; a window of 48 inside the 128-token chunks below). The references
// come from llama.cpp c392e509 built in a scratch folder (never committed; its converter under Debian's
// python3-torch 1.13 with torch.float8_* looked up with getattr):
//   python3 llama.cpp/convert_hf_to_gguf.py g2 --outfile g2-{f32,f16}.gguf --outtype {f32,f16}
//   llama-perplexity -m g2-f32.gguf -f pydoc-test.txt -c 128 --chunks 40 -t 2
//   llama-quantize g2-f32.gguf g2-MIX.gguf MIX 2
//   llama-imatrix -m g2-f32.gguf -f pydoc-valid.txt -c 128 --chunks 4 -t 1
//   llama-cli -m g2-f32.gguf -p "def parse(" -n 24 --temp 0 -t 1 -no-cnv
#include <gtest/gtest.h>

#include <filesystem>

#include "convert/convert.h"
#include "core/float_convert.h"
#include "quant/kernels/vec_dot.h"
#include "formats/gguf/gguf_file.h"
#include "formats/hf/hf_checkpoint.h"
#include "formats/imatrix/imatrix_data.h"
#include "model/llama_model.h"
#include "model/model_family.h"
#include "model/synthetic_checkpoint.h"
#include "qforge/qforge.h"
#include "quant/codecs/codec_table.h"
#include "support/calibration_figure.h"
#include "support/family_checks.h"
#include "support/fixtures.h"
#include "support/sha256.h"
#include "support/scheduler_runs.h"
#include "support/temp_dir.h"

namespace qforge {
namespace {

using test::fixture;
using test::TempDir;

std::string write_checkpoint(const TempDir& dir) {
    SyntheticShape s;
    s.n_embd = 256;
    s.n_layer = 26;
    s.n_head = 4;
    s.n_head_kv = 2;
    s.head_dim = 64;
    s.n_ff = 256;
    s.n_vocab = 4096;
    s.sliding_window = 48;
    return test::synthetic_checkpoint(dir, "g2", "gemma2", s);
}

std::string convert(const TempDir& dir, TensorType outtype) {
    write_checkpoint(dir);
    return test::converted(dir, "g2", outtype);
}

TEST(Gemma2Family, ConvertsAsLlamaCppsConverter) {
    const TempDir dir;
    EXPECT_EQ(test::sha256_file(convert(dir, TensorType::F32)), "051609c07d80a5f261019eb7f6ce05a2cdb52919333b4bef905666d6deb5a3a8");
    // (the norms' 1 + w computed in f16 from the f16 values, as the converter's torch does)
    EXPECT_EQ(test::sha256_file(convert(dir, TensorType::F16)), "26b299ee30ae946233f9e3244a9c32dd1e5be2d5a26b1712cfd43c0b0f3d4f37");
    const GgufFile f(dir.file("g2-f32.gguf"));
    EXPECT_EQ(f.find("output.weight"), nullptr);  // tied
    ASSERT_NE(f.find("blk.0.post_ffw_norm.weight"), nullptr);
    EXPECT_EQ(f.metadata().get_string("general.size_label").value_or(""), "11M");
    EXPECT_EQ(f.metadata().get_bool("tokenizer.ggml.add_space_prefix").value_or(true), false);
    EXPECT_NEAR(f.metadata().get_float("gemma2.attn_logit_softcapping").value_or(0), 50.0, 1e-6);
    // the stored norm is 1 + the checkpoint's w
    const HfCheckpoint ck(write_checkpoint(dir));
    const TensorView* w = nullptr;
    for (const TensorView& t : ck.tensors())
        if (t.name == "model.layers.3.post_feedforward_layernorm.weight") w = &t;
    ASSERT_NE(w, nullptr);
    const std::vector<float> hf = dequantize_tensor(*w), stored = dequantize_tensor(*f.find("blk.3.post_ffw_norm.weight"));
    for (std::size_t i = 0; i < hf.size(); ++i) ASSERT_EQ(stored[i], hf[i] + 1.0f) << i;
}

TEST(Gemma2Family, PerplexityMatchesLlamaCpp) {
    const TempDir dir;
    constexpr double kLlamaCpp = 4591.7341;  // "Final estimate: PPL = 4591.7341 +/- 54.28681"
    EXPECT_NEAR(test::perplexity_of(convert(dir, TensorType::F32), 128, 40), kLlamaCpp, kLlamaCpp * 1e-4);
}

TEST(Gemma2Family, GreedyTextIsLlamaClis) {
    const TempDir dir;
    // (byte tokens among them: the text is bytes, not all UTF-8)
    EXPECT_EQ(test::greedy_text(convert(dir, TensorType::F32)), "thth\x8b\x8b\x8b\x8b\x8b\x8b\x8b\x8bifiedifiedifiedifiedifiedifiedifiedifiedifiedifiedifiedifiedifiedified");
}

TEST(Gemma2Family, MixesQuantizeAsLlamaQuantize) {
    const TempDir dir;
    const std::string f32 = convert(dir, TensorType::F32);
    for (const auto& [mix, sha] : {std::pair{"Q4_K_M", "4be298f4b64f60fedb0da00bfe436aeee993753c87fb7d867295df8ff760c20f"},
                                   std::pair{"Q3_K_M", "573774e65adabea064617cafd4614b4ff3647b402ca148648d92407e9ef6c14f"},
                                   std::pair{"Q6_K", "26b8517250bc54d0f5178ef091408864a1e236fe6dc920fe3fdfc8392b899c84"}})
        EXPECT_EQ(test::sha256_file(test::quantized(f32, dir.file(std::string("g2-") + mix + ".gguf"), mix)), sha) << mix;
}

// The 182 entries (7 matrices of 26 layers) in llama-imatrix's order (the sha256 of their names, one per line),
// 4 calls each, and the sums of means of the first eight.
// llama.cpp's own builds differ past the 1e-5 below (its AVX-512 build sums F32 and F16 products in 16 lanes, its
// AVX2 build in 8): the figures are those of the build for the CPU the test runs on. The engine's AVX2 path gives
// the AVX2 build's imatrix byte for byte (the first table: llama-imatrix built with -DGGML_NATIVE=OFF
// -DGGML_AVX2=ON -DGGML_AVX512=OFF), its AVX-512 path the AVX-512 build's figures (the second: GGML_NATIVE on an
// AVX-512 CPU).
TEST(Gemma2Family, ImatrixAsLlamaImatrix) {
    const test::ImatrixFigure kLlamaAvx2[] = {{"blk.25.ffn_down.weight", 4, 11.23342},   {"blk.25.ffn_gate.weight", 4, 259.2923},
                                              {"blk.25.attn_q.weight", 4, 259.3184},     {"blk.24.attn_output.weight", 4, 55.16639},
                                              {"blk.24.attn_k.weight", 4, 256.9398},     {"blk.24.attn_q.weight", 4, 256.9398},
                                              {"blk.23.attn_output.weight", 4, 45.29183}, {"blk.23.attn_v.weight", 4, 255.5326}};
    const test::ImatrixFigure kLlamaAvx512[] = {{"blk.25.ffn_down.weight", 4, 11.23325},   {"blk.25.ffn_gate.weight", 4, 259.2923},
                                                {"blk.25.attn_q.weight", 4, 259.3186},     {"blk.24.attn_output.weight", 4, 55.16648},
                                                {"blk.24.attn_k.weight", 4, 256.9397},     {"blk.24.attn_q.weight", 4, 256.9397},
                                                {"blk.23.attn_output.weight", 4, 45.2911}, {"blk.23.attn_v.weight", 4, 255.5327}};
    const TempDir dir;
    const Imatrix ours = test::imatrix_of(convert(dir, TensorType::F32), dir.file("g2.imatrix"), 4);
    ASSERT_EQ(ours.entries.size(), 182u);
    std::string names;
    for (const ImatrixEntry& e : ours.entries) {
        names += (names.empty() ? "" : "\n") + e.name;
        EXPECT_EQ(e.ncall, 4) << e.name;
    }
    EXPECT_EQ(test::sha256_bytes({reinterpret_cast<const std::uint8_t*>(names.data()), names.size()}),
              "12b5e6a26ce30c2a64c7b7d47304322ce41211cbc759749123d2dee1f4633941");
    if (vec_dot_isa() == "avx512") test::expect_imatrix_entries(ours, kLlamaAvx512, 1e-5);
    else test::expect_imatrix_entries(ours, kLlamaAvx2, 1e-5);
}

// GPTQ and AWQ into Q4_K_M against llama.cpp's way (round to nearest with an importance matrix from the same
// text), mean KLD against the F32 model on 40 chunks of held-out text. AWQ folds the q/k/v and gate/up groups'
// scales into the stored (1 + w) norms, which the engine multiplies by as they are. Measured when written:
// imatrix 0.009472, GPTQ 0.005699 (0.60x), AWQ 0.008330 (0.88x).
TEST(Gemma2Figure, GptqAndAwqQ4KMCloserToF32ThanImatrix) {
    const TempDir dir;
    const std::string f32 = convert(dir, TensorType::F32);
    const test::Q4KMKlds k = test::q4km_klds(f32, test::figure_base(f32, dir), dir);
    std::printf("gemma2 Q4_K_M mean KLD, 40 chunks: imatrix %.6f, GPTQ %.6f, AWQ %.6f\n", k.imatrix, k.gptq, k.awq);
    EXPECT_LT(k.gptq, 0.85 * k.imatrix);
    EXPECT_LT(k.awq, k.imatrix);
}

// A GPTQ checkpoint holds the norms as Hugging Face does (w, not 1 + w), and converts back to the grid's values:
// the quantized layers bit for bit, the norms as 1 + (the f16 of w) in f16.
TEST(Gemma2Checkpoint, NormsWrittenAsHuggingFaceKeepsThem) {
    const TempDir dir;
    EXPECT_EQ(test::checkpoint_and_grid(write_checkpoint(dir), dir, "gptq"), 26u * 7u);
    const HfCheckpoint ck(dir.file("ck")), original(write_checkpoint(dir));
    for (const TensorView& t : ck.tensors()) EXPECT_NE(t.name, "lm_head.weight");
    auto values = [](const HfCheckpoint& c, const std::string& name) {
        for (const TensorView& t : c.tensors())
            if (t.name == name) return dequantize_tensor(t);
        ADD_FAILURE() << name;
        return std::vector<float>{};
    };
    const std::vector<float> written = values(ck, "model.layers.5.pre_feedforward_layernorm.weight"),
                             hf = values(original, "model.layers.5.pre_feedforward_layernorm.weight");
    ASSERT_EQ(written.size(), hf.size());
    for (std::size_t i = 0; i < hf.size(); ++i) ASSERT_NEAR(written[i], hf[i], 1e-3) << i;  // w in f16, not 1 + w
    test::expect_converted_back(dir.file("ck"), dir.file("grid.gguf"), dir.file("imported.gguf"), true);
}

// Served: 8 greedy requests of 64 tokens (past the window of 48, over KV blocks) give the same tokens and
// log-probabilities alone and all together in the continuous-batching scheduler.
TEST(Gemma2Family, ServesBatchedAsAlone) {
    const TempDir dir;
    const std::string path = convert(dir, TensorType::F32);
    const LlamaModel model(path);
    test::expect_batched_equals_alone(model, Tokenizer::from_gguf(model.file().metadata(), path), 8, 64, 128);
}

}  // namespace
}  // namespace qforge
