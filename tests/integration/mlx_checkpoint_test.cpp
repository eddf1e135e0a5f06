// `qforge quantize IN OUT_DIR --format mlx`: mlx-lm's quantized layout (uint32 levels, scales, biases; the
// "quantization" block), read back by `convert` and run by the engine; GPTQ on MLX's grid; mlx_lm.convert's
// mixed predicates.
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

std::string mlx_of(const std::string& input, const std::string& out, int bits, int group, const std::string& method = "rtn",
                   const std::string& predicate = "") {
    QuantizeRequest r;
    r.input = input;
    r.output = out;
    r.format = "mlx";
    r.bits = bits;
    r.group_size = group;
    r.method = method;
    r.quant_predicate = predicate;
    r.progress = false;
    if (method != "rtn") {
        r.calib = test::fixture("text/pydoc-valid.txt");
        r.calib_samples = 8;
        r.calib_ctx = 128;
    }
    quantize(r);
    return out;
}

TEST(MlxCheckpoint, WritesMlxLmsLayout) {
    test::TempDir dir;
    const HfCheckpoint c(mlx_of(test::fixture("models/pydoc6m"), dir.file("m"), 3, 32));
    const TensorView* w = c.find("model.layers.0.self_attn.k_proj.weight");
    ASSERT_NE(w, nullptr);
    EXPECT_EQ(w->type, TensorType::U32);
    EXPECT_EQ(w->ne, (std::vector<std::int64_t>{256 * 3 / 32, 128}));  // [out 128, in 256 x 3 bits / 32]
    for (const char* part : {"scales", "biases"}) {
        const TensorView* s = c.find(std::string("model.layers.0.self_attn.k_proj.") + part);
        ASSERT_NE(s, nullptr);
        EXPECT_EQ(s->type, TensorType::F16);
        EXPECT_EQ(s->ne, (std::vector<std::int64_t>{256 / 32, 128}));
    }
    EXPECT_EQ(c.find("model.embed_tokens.weight")->type, TensorType::U32);  // mlx-lm quantizes the embeddings
    EXPECT_EQ(c.find("lm_head.weight")->type, TensorType::U32);
    EXPECT_EQ(c.find("model.norm.weight")->type, TensorType::F16);
    const nlohmann::json q = {{"group_size", 32}, {"bits", 3}, {"mode", "affine"}};
    EXPECT_EQ(c.config()["quantization"], q);
    EXPECT_EQ(c.config()["quantization_config"], q);
    EXPECT_EQ(c.config()["tie_word_embeddings"], false);
    EXPECT_FALSE(c.file("model.safetensors.index.json").empty());
    EXPECT_FALSE(c.file("tokenizer.model").empty());
    EXPECT_EQ(inspect(dir.file("m")).total_elements, 6819072u);  // the model's weights, not the packed words
    // the same directory from llama.cpp's GGUF of the same model
    const HfCheckpoint g(mlx_of(test::fixture("gguf/pydoc6m-f32.gguf"), dir.file("g"), 3, 32));
    ASSERT_EQ(g.tensors().size(), c.tensors().size());
    for (const TensorView& t : c.tensors())
        EXPECT_TRUE(std::equal(t.data.begin(), t.data.end(), g.find(t.name)->data.begin(), g.find(t.name)->data.end())) << t.name;
}

// mlx_lm.convert's mixed_3_6 on 6 layers: v_proj and down_proj of layers 2 and 5 (n/8 = 0; every third from
// there; the last eighth) and lm_head at 6 bits, every other module at 3, each listed in the config.
TEST(MlxCheckpoint, MixedPredicateListsEveryModule) {
    test::TempDir dir;
    const HfCheckpoint c(mlx_of(test::fixture("models/pydoc6m"), dir.file("m"), 4, 64, "rtn", "mixed_3_6"));
    const auto& q = c.config()["quantization"];
    EXPECT_EQ(q["bits"], 3);
    for (int layer = 0; layer < 6; ++layer)
        for (const char* m : {"self_attn.v_proj", "mlp.down_proj", "self_attn.q_proj", "mlp.up_proj"}) {
            const std::string module = "model.layers." + std::to_string(layer) + "." + m;
            const bool high = (layer == 2 || layer == 5) && (std::string(m) == "self_attn.v_proj" || std::string(m) == "mlp.down_proj");
            ASSERT_TRUE(q.contains(module)) << module;
            EXPECT_EQ(q[module]["bits"], high ? 6 : 3) << module;
            const TensorView* w = c.find(module + ".weight");
            EXPECT_EQ(w->ne[0] * 32 / (high ? 6 : 3), std::string(m) == "mlp.down_proj" ? 768 : 256) << module;
        }
    EXPECT_EQ(q["lm_head"]["bits"], 6);
    EXPECT_EQ(q["model.embed_tokens"]["bits"], 3);
}

// Read back at 8 bits: each weight within half a step of the float one (the step is at most amax / 255 of the
// tensor) plus the f16 roundings of the scale, the bias and mlx's f16 arithmetic (each about amax / 2048, the
// scale's times up to 255 levels); and the engine's perplexity over 10 chunks: 8 bits as the float model, 4 bits
// (MLX's rounding, and GPTQ and AWQ on MLX's grid) within 1.5%. (Which of the 4-bit files is closest takes more text
// than a test should read: the KL-divergence figures are in the README.)
TEST(MlxCheckpoint, EngineRunsIt) {
    test::TempDir dir;
    const std::string base = test::fixture("gguf/pydoc6m-f32.gguf");
    const std::string m8 = mlx_of(test::fixture("models/pydoc6m"), dir.file("m8"), 8, 64);
    const std::string m4 = mlx_of(test::fixture("models/pydoc6m"), dir.file("m4"), 4, 64);
    const std::string g4 = mlx_of(test::fixture("models/pydoc6m"), dir.file("g4"), 4, 64, "gptq");
    const std::string a4 = mlx_of(test::fixture("models/pydoc6m"), dir.file("a4"), 4, 64, "awq");  // norms rescaled by AWQ
    ConvertRequest cr;
    cr.source = m8;
    cr.output = dir.file("m8.gguf");
    cr.outtype = "f32";
    cr.progress = false;
    convert(cr);
    const GgufFile back(dir.file("m8.gguf")), f32(base);
    for (const TensorView& t : f32.tensors()) {
        const std::vector<float> want = dequantize_tensor(t), got = dequantize_tensor(*back.find(t.name));
        float amax = 0.0f;
        for (float v : want) amax = std::max(amax, std::fabs(v));
        for (std::size_t i = 0; i < want.size(); ++i) ASSERT_LE(std::fabs(got[i] - want[i]), amax / 510.0f + amax / 256.0f + std::fabs(want[i]) / 512.0f) << t.name;
    }
    const double p_base = test::perplexity_of(base, 256, 10), p8 = test::perplexity_of(m8, 256, 10);
    const double p4 = test::perplexity_of(m4, 256, 10), pg = test::perplexity_of(g4, 256, 10);
    EXPECT_NEAR(p8 / p_base, 1.0, 0.001) << p8;
    EXPECT_NEAR(p4 / p_base, 1.0, 0.015) << p4;
    EXPECT_NEAR(pg / p_base, 1.0, 0.015) << pg;
    const double pa = test::perplexity_of(a4, 256, 10);
    EXPECT_NEAR(pa / p_base, 1.0, 0.015) << pa;
}

TEST(MlxCheckpoint, RefusesWhatMlxCannotHold) {
    test::TempDir dir;
    auto message = [&](int bits, int group, const std::string& method, const std::string& predicate) {
        try {
            mlx_of(test::fixture("models/pydoc6m"), dir.file("x"), bits, group, method, predicate);
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    EXPECT_NE(message(7, 64, "rtn", "").find("--bits 7 (MLX takes 2, 3, 4, 5, 6 or 8)"), std::string::npos);
    EXPECT_NE(message(4, 48, "rtn", "").find("--group-size 48 (MLX takes 32, 64 or 128)"), std::string::npos);
    EXPECT_NE(message(4, 64, "gptq", "mixed_3_6").find("use --method rtn"), std::string::npos);
    EXPECT_FALSE(fs::exists(dir.file("x")));
    // a directory whose weights do not fit its config's grid is named with the tensor
    const std::string m = mlx_of(test::fixture("models/pydoc6m"), dir.file("m"), 4, 64);
    std::ifstream in(m + "/config.json");
    nlohmann::json cfg = nlohmann::json::parse(in);
    in.close();
    cfg["quantization"]["bits"] = 8;
    std::ofstream(m + "/config.json") << cfg.dump();
    ConvertRequest cr;
    cr.source = m;
    cr.output = dir.file("bad.gguf");
    cr.progress = false;
    try {
        convert(cr);
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("not 8-bit groups of 64 (config.json's grid for"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(dir.file("bad.gguf")));
}

}  // namespace
}  // namespace qforge
