// Phi-3 through the pipeline: q, k, v fused into attn_qkv and gate, up into ffn_up, LongRoPE's short and long
// factors with their attention factor, and sliding-window attention in every layer, on random-weight checkpoints
// the project's generator writes at test time (model/synthetic_checkpoint.h, pydoc6m's SentencePiece tokenizer):
//   make_synthetic_model p3 --format hf --arch phi3 --tokenizer ../shared/fixtures/models/pydoc6m --n-embd 256
//     --n-layer 4 --n-head 4 --n-head-kv 2 --n-ff 512 --n-vocab 4096 --type f32 --sliding-window 48 --n-ctx 256
//     --n-ctx-orig 64
// (a window of 48 inside the 128-token chunks below, and an original context of 64 so that chunks of 128 take the
// long factors and chunks of 64 the short ones), and a Phi-4-like one without either:
//   make_synthetic_model p4 --format hf --arch phi3 --tokenizer ../shared/fixtures/models/pydoc6m --n-embd 256
//     --n-layer 2 --n-head 4 --n-head-kv 4 --n-ff 384 --n-vocab 4096 --type f32 --seed 3
// The references come from llama.cpp c392e509 built in a scratch folder (never committed; its converter under
// Debian's python3-torch 1.13 with torch.float8_* looked up with getattr):
//   python3 llama.cpp/convert_hf_to_gguf.py p3 --outfile p3-{f32,f16}.gguf --outtype {f32,f16}
//   llama-perplexity -m p3-f32.gguf -f pydoc-test.txt -c 128 --chunks 40 -t 2     (and -c 64 --chunks 10)
//   llama-quantize p3-f32.gguf p3-MIX.gguf MIX 2
//   llama-imatrix -m p3-f32.gguf -f pydoc-valid.txt -c 128 --chunks 4 -t 1
//   llama-cli -m p3-f32.gguf -p "def parse(" -n 24 --temp 0 -t 1 -no-cnv
// The window matters at these sizes: with sliding_window overridden to 1000, llama-perplexity gives 51035.1819
// over the first 10 chunks instead of 49851.2131.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include <nlohmann/json.hpp>

#include "convert/convert.h"
#include "core/error.h"
#include "core/float_convert.h"
#include "formats/gguf/gguf_file.h"
#include "formats/gguf/gguf_writer.h"
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

struct Phi3Case {
    const char* dir;  // the checkpoint's directory name, which general.name comes from
    std::int64_t n_layer, n_head_kv, n_ff, sliding_window, n_ctx, n_ctx_orig;
    std::uint32_t seed;
};
constexpr Phi3Case kPhi3{"p3", 4, 2, 512, 48, 256, 64, 1};
constexpr Phi3Case kPhi4Like{"p4", 2, 4, 384, 0, 1024, 0, 3};

std::string write_checkpoint(const TempDir& dir, const Phi3Case& c) {
    SyntheticShape s;
    s.n_embd = 256;
    s.n_layer = c.n_layer;
    s.n_head = 4;
    s.n_head_kv = c.n_head_kv;
    s.n_ff = c.n_ff;
    s.n_vocab = 4096;
    s.sliding_window = c.sliding_window;
    s.n_ctx = c.n_ctx;
    s.n_ctx_orig = c.n_ctx_orig;
    return test::synthetic_checkpoint(dir, c.dir, "phi3", s, c.seed);
}

std::string convert(const TempDir& dir, const Phi3Case& c, TensorType outtype) {
    write_checkpoint(dir, c);
    return test::converted(dir, c.dir, outtype);
}

using test::perplexity_of;

TEST(Phi3Family, ConvertsAsLlamaCppsConverter) {
    const TempDir dir;
    EXPECT_EQ(test::sha256_file(convert(dir, kPhi3, TensorType::F32)), "f1fdf7d1dad253ee3b60f0ed923199b7659e98cdbd9a8d203e3f388d7fecc337");
    EXPECT_EQ(test::sha256_file(convert(dir, kPhi3, TensorType::F16)), "6e406cbc901f52076e122f6c63a85a85b36b166babcf76427177f9a5a912ff6b");
    EXPECT_EQ(test::sha256_file(convert(dir, kPhi4Like, TensorType::F32)), "ec91b44b795e1ed7edbf120fbf1309ec5ec0c98de242b87ffb743f771ed104a1");
    const GgufFile f(dir.file("p3-f16.gguf"));
    EXPECT_EQ(f.find("blk.0.attn_qkv.weight")->ne, (std::vector<std::int64_t>{256, 256 + 2 * 128}));
    EXPECT_EQ(f.find("blk.0.ffn_up.weight")->ne, (std::vector<std::int64_t>{256, 2 * 512}));
    EXPECT_EQ(f.find("rope_factors_long.weight")->type, TensorType::F32);
    EXPECT_EQ(f.metadata().get_int("phi3.attention.sliding_window").value_or(-1), 48);
    EXPECT_NEAR(f.metadata().get_float("phi3.rope.scaling.attn_factor").value_or(0), 1.1547005, 1e-6);  // sqrt(1 + ln 4 / ln 64)
    EXPECT_EQ(GgufFile(dir.file("p4-f32.gguf")).metadata().get_int("phi3.attention.sliding_window").value_or(-1), 0);
}

TEST(Phi3Family, PerplexityMatchesLlamaCpp) {
    const TempDir dir;
    const std::string p3 = convert(dir, kPhi3, TensorType::F32);
    // chunks of 128: the window of 48 and LongRoPE's long factors ("Final estimate: PPL = 56649.7266 +/- 2583.36277")
    EXPECT_NEAR(perplexity_of(p3, 128, 40), 56649.7266, 56649.7266 * 1e-4);
    // chunks of 64, within the original context: the short factors ("Final estimate: PPL = 51376.3403 +/- 6379.96094")
    EXPECT_NEAR(perplexity_of(p3, 64, 10), 51376.3403, 51376.3403 * 1e-4);
    // Phi-4-like: no window, no rope scaling ("Final estimate: PPL = 36768.3761 +/- 3434.43035")
    EXPECT_NEAR(perplexity_of(convert(dir, kPhi4Like, TensorType::F32), 128, 10), 36768.3761, 36768.3761 * 1e-4);
}

TEST(Phi3Family, GreedyTextIsLlamaClis) {
    const TempDir dir;
    EXPECT_EQ(test::greedy_text(convert(dir, kPhi3, TensorType::F32)),
              "optparseoptparseoptparse last last last last last lastileileileileileileileileileileileileileileile");
}

TEST(Phi3Family, MixesQuantizeAsLlamaQuantize) {
    const TempDir dir;
    const std::string f32 = convert(dir, kPhi3, TensorType::F32);
    // whole files, c392e509's attn_qkv rules included (Q4_K_M: Q5_K; Q3_K_M: Q4_K)
    for (const auto& [mix, sha] : {std::pair{"Q4_K_M", "41ca354b47f82fe52791807ca7bebd9384d0ef3fd16467a99bfa97deff82ed32"},
                                   std::pair{"Q3_K_M", "58ebe395de4dcde430e4e44b15c1b7c1d6fb224d711d37e232c7d20b19465e6e"},
                                   std::pair{"Q6_K", "e1bf328b3260aca2af70a056a4b7def61cc011e0190c26dd4eaa49d2ef7f0332"}})
        EXPECT_EQ(test::sha256_file(test::quantized(f32, dir.file(std::string("p3-") + mix + ".gguf"), mix)), sha) << mix;
    EXPECT_EQ(GgufFile(dir.file("p3-Q4_K_M.gguf")).find("blk.0.attn_qkv.weight")->type, TensorType::Q5_K);
}

// A fused tensor is one entry, observed once per product as llama-imatrix does (not once per part): its entries
// in llama-imatrix's order, call counts and sums of means.
TEST(Phi3Family, ImatrixAsLlamaImatrix) {
    const test::ImatrixFigure kLlama[] = {
        {"blk.3.ffn_down.weight", 4, 18.8602},     {"blk.3.ffn_up.weight", 4, 256.545},      {"blk.1.attn_qkv.weight", 4, 254.609},
        {"blk.0.attn_qkv.weight", 4, 261.11},      {"blk.0.attn_output.weight", 4, 6.31829}, {"blk.0.ffn_up.weight", 4, 262.123},
        {"blk.2.attn_qkv.weight", 4, 258.782},     {"blk.0.ffn_down.weight", 4, 18.2491},    {"blk.1.attn_output.weight", 4, 39.1448},
        {"blk.3.attn_qkv.weight", 4, 255.792},     {"blk.1.ffn_up.weight", 4, 254.735},      {"blk.1.ffn_down.weight", 4, 17.1166},
        {"blk.2.attn_output.weight", 4, 68.6877},  {"blk.2.ffn_up.weight", 4, 257.307},      {"blk.3.attn_output.weight", 4, 65.315},
        {"blk.2.ffn_down.weight", 4, 15.7137},
    };
    const TempDir dir;
    const Imatrix ours = test::imatrix_of(convert(dir, kPhi3, TensorType::F32), dir.file("p3.imatrix"), 4);
    ASSERT_EQ(ours.entries.size(), std::size(kLlama));
    test::expect_imatrix_entries(ours, kLlama, 2e-5);  // (6 digits recorded)
}

// GPTQ and AWQ into Q4_K_M against llama.cpp's way (round to nearest with an importance matrix from the same
// text), mean KLD against the F32 model on 40 chunks of held-out text. The fused tensors are calibrated as
// stored: one Hessian for attn_qkv, one for ffn_up; AWQ scales each as one group (folded into its norm), folds
// attn_output's scales into the v rows of attn_qkv and ffn_down's into the up rows of ffn_up, and clips the v
// rows (not q and k) and the whole of ffn_up. Measured when written: imatrix 0.094805, GPTQ 0.049101 (0.52x),
// AWQ 0.071890 (0.76x).
TEST(Phi3Figure, GptqAndAwqQ4KMCloserToF32ThanImatrix) {
    const TempDir dir;
    const std::string f32 = convert(dir, kPhi3, TensorType::F32);
    const test::Q4KMKlds k = test::q4km_klds(f32, test::figure_base(f32, dir), dir);
    std::printf("phi3 Q4_K_M mean KLD, 40 chunks: imatrix %.6f, GPTQ %.6f, AWQ %.6f\n", k.imatrix, k.gptq, k.awq);
    EXPECT_LT(k.gptq, 0.85 * k.imatrix);
    EXPECT_LT(k.awq, k.imatrix);
}

// GPTQ and AWQ checkpoints keep Phi-3's fused modules (self_attn.qkv_proj, mlp.gate_up_proj, as AutoGPTQ and
// AutoAWQ name them), leave LongRoPE to config.json, and convert back to the grid's values bit for bit.
TEST(Phi3Checkpoint, FusedModulesWrittenAndImported) {
    for (const char* method : {"gptq", "awq"}) {
        SCOPED_TRACE(method);
        const TempDir dir;
        EXPECT_EQ(test::checkpoint_and_grid(write_checkpoint(dir, kPhi3), dir, method), 4u * 4u);  // qkv, o, gate_up, down per layer
        const HfCheckpoint ck(dir.file("ck"));
        bool qkv = false, gate_up = false, factors = false;
        for (const TensorView& t : ck.tensors()) {
            qkv |= t.name == "model.layers.3.self_attn.qkv_proj.qweight";
            gate_up |= t.name == "model.layers.0.mlp.gate_up_proj.qweight";
            factors |= t.name.starts_with("rope_factors");
        }
        EXPECT_TRUE(qkv);
        EXPECT_TRUE(gate_up);
        EXPECT_FALSE(factors);
        test::expect_converted_back(dir.file("ck"), dir.file("grid.gguf"), dir.file("imported.gguf"), false);
    }
}

// Budget plans measure each tensor's loss by swapping it in the running model: a fused tensor is swapped whole
// (its parts then read the candidate's rows). A plan to 0.9x Q4_K_M's size fits and runs.
TEST(Phi3Family, BudgetPlanOverFusedTensors) {
    const TempDir dir;
    QuantizeRequest q;
    q.input = convert(dir, kPhi3, TensorType::F32);
    q.output = dir.file("q4km.gguf");
    q.type = "Q4_K_M";
    q.progress = false;
    quantize(q);
    const std::uint64_t budget = std::filesystem::file_size(q.output) * 9 / 10;
    q.type.clear();
    q.output = dir.file("plan.gguf");
    q.target_size = std::to_string(budget);
    q.calib = fixture("text/pydoc-valid.txt");
    q.calib_samples = 4;
    q.calib_ctx = 128;
    quantize(q);
    EXPECT_LE(std::filesystem::file_size(q.output), budget);
    const GgufFile plan(q.output);
    EXPECT_NE(plan.find("blk.0.attn_qkv.weight")->type, TensorType::F32);
    EXPECT_LT(perplexity_of(q.output, 128, 4), 1e6);
}

// Bad Phi-3 inputs are refused naming the field or key: LongRoPE factors of the wrong length (at convert, no
// file left), a file without its sliding_window key whose shape has no default window, one factor list alone.
TEST(Phi3Family, BadLongRopeAndWindowAreRefused) {
    const TempDir dir;
    const std::string ck = write_checkpoint(dir, kPhi3);
    {
        nlohmann::json c;
        std::ifstream(ck + "/config.json") >> c;
        c["rope_scaling"]["long_factor"].erase(0);
        std::ofstream(ck + "/config.json") << c.dump();
        ConvertOptions o;
        o.progress = false;
        try {
            convert_to_gguf(ck, dir.file("bad.gguf"), o);
            ADD_FAILURE() << "converted";
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find("rope_scaling.long_factor has 31 values (expected head size / 2 = 32)"), std::string::npos) << e.what();
        }
        EXPECT_FALSE(std::filesystem::exists(dir.file("bad.gguf")));
    }
    const std::string p4 = convert(dir, kPhi4Like, TensorType::F32);
    auto rejected = [&](const std::function<void(GgufMetadata&, std::vector<TensorView>&)>& edit, const std::string& expected) {
        const GgufFile in(p4);
        GgufMetadata m = in.metadata();
        std::vector<TensorView> tensors = in.tensors();
        edit(m, tensors);
        std::vector<GgufTensorInfo> infos;
        for (const auto& t : tensors) infos.push_back({t.name, t.type, t.ne});
        const std::string out = dir.file("edited.gguf");
        {
            GgufWriter w(out, m, std::move(infos));
            for (const auto& t : tensors) w.write(t.data);
            w.finish();
        }
        try {
            LlamaModel model(out, 1);
            ADD_FAILURE() << "loaded: " << expected;
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
        }
    };
    rejected([](GgufMetadata& m, std::vector<TensorView>&) { m.remove("phi3.attention.sliding_window"); },
             "metadata key 'phi3.attention.sliding_window' is missing");
    const std::vector<float> factors(32, 1.0f);
    const TensorView extra{"rope_factors_long.weight", TensorType::F32, {32},
                           {reinterpret_cast<const std::uint8_t*>(factors.data()), factors.size() * sizeof(float)}};
    rejected([&](GgufMetadata&, std::vector<TensorView>& t) { t.push_back(extra); }, "tensor 'rope_factors_short.weight' is missing");
}

// Served: 8 greedy requests of 64 tokens (past the window of 48, over KV blocks) give the same tokens and
// log-probabilities alone and all together in the continuous-batching scheduler.
TEST(Phi3Family, ServesBatchedAsAlone) {
    const TempDir dir;
    const std::string path = convert(dir, kPhi3, TensorType::F32);
    const LlamaModel model(path);
    test::expect_batched_equals_alone(model, Tokenizer::from_gguf(model.file().metadata(), path), 8, 64, 128);
}

}  // namespace
}  // namespace qforge
