// `qforge quantize IN OUT_DIR --format fp8`: FP8 E4M3 checkpoints in the layouts vLLM loads (per-channel
// compressed-tensors, per-tensor and 128 x 128 block-wise fp8), read back by `convert` and run by the engine.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "formats/gguf/gguf_file.h"
#include "formats/hf/hf_checkpoint.h"
#include "qforge/qforge.h"
#include "quant/codecs/codec_table.h"
#include "support/family_checks.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

namespace qforge {
namespace {
namespace fs = std::filesystem;

std::string fp8_of(const std::string& input, const std::string& out, const std::string& scheme) {
    QuantizeRequest r;
    r.input = input;
    r.output = out;
    r.format = "fp8";
    r.fp8_scheme = scheme;
    r.progress = false;
    quantize(r);
    return out;
}

std::string f32_of(const std::string& dir, const std::string& out) {
    ConvertRequest r;
    r.source = dir;
    r.output = out;
    r.outtype = "f32";
    r.progress = false;
    convert(r);
    return out;
}

// Every tensor of `back` (an FP8 checkpoint converted to F32) against the F32 model it was made from: the linears
// within half an E4M3 step (1/16 of the value; below E4M3's normal range, 2^-10 of a scale no larger than the
// tensor's largest magnitude over 448), the rest as their BF16 rounding.
void expect_close_to(const GgufFile& back, const GgufFile& f32, std::size_t expected_fp8) {
    ASSERT_EQ(back.tensors().size(), f32.tensors().size());
    std::size_t fp8 = 0;
    for (const TensorView& t : f32.tensors()) {
        const TensorView* u = back.find(t.name);
        ASSERT_NE(u, nullptr) << t.name;
        const std::vector<float> want = dequantize_tensor(t), got = dequantize_tensor(*u);
        float amax = 0.0f;
        for (float v : want) amax = std::max(amax, std::fabs(v));
        const bool linear = t.ne.size() >= 2 && t.name.starts_with("blk.") && t.name.find("gate_inp") == std::string::npos;
        fp8 += linear ? 1 : 0;
        for (std::size_t i = 0; i < want.size(); ++i) {
            if (linear)
                ASSERT_LE(std::fabs(got[i] - want[i]), (std::fabs(want[i]) / 16.0f + amax / 448.0f / 1024.0f) * 1.0001f) << t.name << " " << i;
            else
                ASSERT_LE(std::fabs(got[i] - want[i]), std::fabs(want[i]) / 256.0f) << t.name << " " << i;  // bf16
        }
    }
    EXPECT_EQ(fp8, expected_fp8);
}

class Fp8Scheme : public ::testing::TestWithParam<const char*> {};

TEST_P(Fp8Scheme, PydocRoundTripsWithinHalfAStep) {
    const std::string scheme = GetParam();
    test::TempDir dir;
    const std::string ck = fp8_of(test::fixture("models/pydoc6m"), dir.file("fp8"), scheme);
    const HfCheckpoint c(ck);
    const TensorView* w = c.find("model.layers.0.self_attn.q_proj.weight");
    ASSERT_NE(w, nullptr);
    EXPECT_EQ(w->type, TensorType::F8_E4M3);
    const TensorView* s = c.find(scheme == "block" ? "model.layers.0.self_attn.q_proj.weight_scale_inv" : "model.layers.0.self_attn.q_proj.weight_scale");
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->type, TensorType::F32);
    const std::vector<std::int64_t> scale_ne = scheme == "tensor" ? std::vector<std::int64_t>{1}
                                               : scheme == "channel" ? std::vector<std::int64_t>{1, 256}
                                                                     : std::vector<std::int64_t>{2, 2};
    EXPECT_EQ(s->ne, scale_ne);
    EXPECT_EQ(c.find("lm_head.weight")->type, TensorType::BF16);  // ignored, as llm-compressor's recipes do
    EXPECT_EQ(c.find("model.norm.weight")->type, TensorType::BF16);
    EXPECT_EQ(c.config()["quantization_config"]["quant_method"], scheme == "channel" ? "compressed-tensors" : "fp8");
    EXPECT_FALSE(c.file("tokenizer.model").empty());
    EXPECT_EQ(inspect(ck).total_elements, 6819072u);  // the scales are not parameters
    expect_close_to(GgufFile(f32_of(ck, dir.file("back.gguf"))), GgufFile(test::fixture("gguf/pydoc6m-f32.gguf")), 42);
    // from llama.cpp's GGUF: the same checkpoint
    const HfCheckpoint from_gguf(fp8_of(test::fixture("gguf/pydoc6m-f32.gguf"), dir.file("fp8-gguf"), scheme));
    ASSERT_EQ(from_gguf.tensors().size(), c.tensors().size());
    for (const TensorView& t : c.tensors()) {
        const TensorView* u = from_gguf.find(t.name);
        ASSERT_NE(u, nullptr) << t.name;
        EXPECT_TRUE(std::equal(t.data.begin(), t.data.end(), u->data.begin(), u->data.end())) << t.name;
    }
}

INSTANTIATE_TEST_SUITE_P(Layouts, Fp8Scheme, ::testing::Values("channel", "tensor", "block"));

// Blocks cut short at the matrices' edges (192 and 320 are not multiples of 128), and a mixture of experts whose
// experts each carry their own scales.
TEST(Fp8Checkpoint, PartialBlocksAndExperts) {
    test::TempDir dir;
    SyntheticShape s;
    s.n_embd = 192;
    s.n_ff = 320;
    test::synthetic_checkpoint(dir, "dense", "llama", s);
    expect_close_to(GgufFile(f32_of(fp8_of(dir.file("dense"), dir.file("dense-fp8"), "block"), dir.file("dense-back.gguf"))),
                    GgufFile(test::converted(dir, "dense", TensorType::F32)), 14);
    SyntheticShape m;
    m.n_embd = 128;
    m.n_ff = 256;
    m.n_expert = 4;
    m.n_expert_used = 2;
    test::synthetic_checkpoint(dir, "moe", "qwen3moe", m);
    for (const char* scheme : {"channel", "block"})
        expect_close_to(GgufFile(f32_of(fp8_of(dir.file("moe"), dir.file(std::string("moe-") + scheme), scheme), dir.file("moe-back.gguf"))),
                        GgufFile(test::converted(dir, "moe", TensorType::F32)), 14);
}

// The engine runs the directory: perplexity within 0.2% of the F32 model's.
TEST(Fp8Checkpoint, EngineRunsItCloseToTheFloatModel) {
    test::TempDir dir;
    const std::string ck = fp8_of(test::fixture("models/pydoc6m"), dir.file("fp8"), "channel");
    const double base = test::perplexity_of(test::fixture("gguf/pydoc6m-f32.gguf"), 256, 10);
    const double fp8 = test::perplexity_of(ck, 256, 10);
    EXPECT_NEAR(fp8 / base, 1.0, 0.002) << fp8 << " vs " << base;
}

TEST(Fp8Checkpoint, BadScalesAreNamed) {
    test::TempDir dir;
    const std::string ck = fp8_of(test::fixture("models/pydoc6m"), dir.file("fp8"), "block");
    // a block size the scales do not fit
    std::ifstream in(ck + "/config.json");
    nlohmann::json cfg = nlohmann::json::parse(in);
    in.close();
    cfg["quantization_config"]["weight_block_size"] = {64, 64};
    std::ofstream(ck + "/config.json") << cfg.dump();
    try {
        f32_of(ck, dir.file("x.gguf"));
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("'model.layers.0.mlp.down_proj.weight_scale_inv' has shape [6, 2]: not one scale"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(dir.file("x.gguf")));
    // an already quantized input is refused
    try {
        cfg["quantization_config"]["weight_block_size"] = {128, 128};
        std::ofstream(ck + "/config.json") << cfg.dump();
        fp8_of(ck, dir.file("again"), "channel");
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("already quantized (FP8 E4M3 128x128 blocks)"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace qforge
