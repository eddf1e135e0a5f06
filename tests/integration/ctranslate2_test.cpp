// `qforge convert MODEL DIR --format ctranslate2`: the decoder CTranslate2 loads (checked once against
// CTranslate2 4.8.1 built from source: docs/formats.md), read back by `convert` and run by the engine.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/float_convert.h"
#include "formats/ctranslate2/ct2_model_bin.h"
#include "formats/gguf/gguf_file.h"
#include "formats/hf/hf_checkpoint.h"
#include "qforge/qforge.h"
#include "support/family_checks.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"
#include "support/tensor_digest.h"

namespace qforge {
namespace {
namespace fs = std::filesystem;

std::string ct2_of(const std::string& input, const std::string& out, const std::string& quantization) {
    ConvertRequest r;
    r.source = input;
    r.output = out;
    r.format = "ctranslate2";
    r.quantization = quantization;
    r.progress = false;
    convert(r);
    return out;
}

std::string to_gguf(const std::string& input, const std::string& out) {
    ConvertRequest r;
    r.source = input;
    r.output = out;
    r.outtype = "f32";
    r.progress = false;
    convert(r);
    return out;
}

nlohmann::json json_file(const std::string& path) {
    std::ifstream in(path);
    return nlohmann::json::parse(in);
}

std::vector<std::uint8_t> bytes_of(const TensorView& t) { return {t.data.begin(), t.data.end()}; }

// float32: every value kept, Q/K/V stacked in Hugging Face's order (no RoPE permutation: CTranslate2 rotates
// halves as transformers does); read back, the GGUF holds the original tensors bit for bit.
TEST(Ctranslate2Export, Float32StacksHuggingFacesRowsAndReadsBackBitForBit) {
    const test::TempDir dir;
    const std::string out = ct2_of(test::fixture("gguf/pydoc6m-f32.gguf"), dir.file("p6"), "float32");
    const Ct2ModelBin bin(out + "/model.bin");
    EXPECT_EQ(bin.spec(), "TransformerDecoderSpec");
    EXPECT_EQ(bin.revision(), 8u);
    for (std::size_t i = 1; i < bin.variables().size(); ++i) EXPECT_LT(bin.variables()[i - 1].info.name, bin.variables()[i].info.name);
    const HfCheckpoint hf(test::fixture("models/pydoc6m"));
    const Ct2Variable* qkv = bin.find("decoder/layer_1/self_attention/linear_0/weight");
    ASSERT_NE(qkv, nullptr);
    EXPECT_EQ(qkv->info.dtype, Ct2Dtype::F32);
    std::vector<std::uint8_t> want;
    for (const char* p : {"q_proj", "k_proj", "v_proj"}) {
        const auto b = bytes_of(*hf.find(std::string("model.layers.1.self_attn.") + p + ".weight"));
        want.insert(want.end(), b.begin(), b.end());
    }
    EXPECT_EQ(std::vector<std::uint8_t>(qkv->data.begin(), qkv->data.end()), want);
    const auto gate = bytes_of(*hf.find("model.layers.1.mlp.gate_proj.weight"));
    const Ct2Variable* l0 = bin.find("decoder/layer_1/ffn/linear_0/weight");
    EXPECT_EQ(std::vector<std::uint8_t>(l0->data.begin(), l0->data.end()), gate);
    // the scalars CTranslate2's Llama loader sets
    auto scalar_i = [&](const char* n) {
        const Ct2Variable* v = bin.find(n);
        EXPECT_NE(v, nullptr) << n;
        std::int32_t x = 0;
        if (v != nullptr) std::memcpy(&x, v->data.data(), v->data.size());
        return x;
    };
    EXPECT_EQ(bin.find("decoder/scale_embeddings")->info.dtype, Ct2Dtype::I8);
    EXPECT_EQ(scalar_i("decoder/scale_embeddings"), 0);
    EXPECT_EQ(scalar_i("decoder/activation"), 2);  // SWISH
    EXPECT_EQ(scalar_i("decoder/num_heads"), 4);
    float base = 0;
    std::memcpy(&base, bin.find("decoder/layer_0/self_attention/rotary_base")->data.data(), 4);
    EXPECT_EQ(base, 10000.0f);
    const nlohmann::json config = json_file(out + "/config.json");
    EXPECT_EQ(config["bos_token"], "<s>");
    EXPECT_EQ(config["eos_token"], "</s>");
    EXPECT_EQ(config["unk_token"], "<unk>");
    const nlohmann::json vocab = json_file(out + "/vocabulary.json");
    ASSERT_EQ(vocab.size(), 4096u);
    EXPECT_EQ(vocab[459], "\xe2\x96\x81" "def");
    EXPECT_TRUE(fs::exists(out + "/tokenizer.model"));

    const std::string back = to_gguf(out, dir.file("back.gguf"));
    const GgufFile a(test::fixture("gguf/pydoc6m-f32.gguf")), b(back);
    ASSERT_EQ(a.tensors().size(), b.tensors().size());
    for (const TensorView& t : a.tensors()) {
        const TensorView* u = b.find(t.name);
        ASSERT_NE(u, nullptr) << t.name;
        EXPECT_TRUE(bytes_of(t) == bytes_of(*u)) << t.name;
    }
}

// int8: the embeddings and every linear as int8 rows with a float32 scale each; the norms in the float type.
TEST(Ctranslate2Export, Int8RowsWithScalesAndNormsInTheFloatType) {
    const test::TempDir dir;
    const std::string out = ct2_of(test::fixture("gguf/pydoc6m-f32.gguf"), dir.file("p6"), "int8_float16");
    const Ct2ModelBin bin(out + "/model.bin");
    const HfCheckpoint hf(test::fixture("models/pydoc6m"));
    for (const char* name : {"decoder/embeddings/weight", "decoder/projection/weight", "decoder/layer_0/self_attention/linear_1/weight",
                             "decoder/layer_0/ffn/linear_1/weight"}) {
        const Ct2Variable* w = bin.find(name);
        ASSERT_NE(w, nullptr) << name;
        EXPECT_EQ(w->info.dtype, Ct2Dtype::I8) << name;
        const Ct2Variable* s = bin.find(std::string(name) + "_scale");
        ASSERT_NE(s, nullptr) << name;
        EXPECT_EQ(s->info.dtype, Ct2Dtype::F32);
        EXPECT_EQ(s->info.elements(), w->info.shape[0]);
    }
    EXPECT_EQ(bin.find("decoder/layer_norm/gamma")->info.dtype, Ct2Dtype::F16);
    // o_proj's row 3: q / scale within half a step of the checkpoint's value, the row's largest value exact
    const Ct2Variable* o = bin.find("decoder/layer_0/self_attention/linear_1/weight");
    const Ct2Variable* os = bin.find("decoder/layer_0/self_attention/linear_1/weight_scale");
    const TensorView* ref = hf.find("model.layers.0.self_attn.o_proj.weight");
    const std::int64_t cols = ref->ne[0], row = 3;
    float scale = 0;
    std::memcpy(&scale, os->data.data() + 4 * row, 4);
    float amax = 0;
    for (std::int64_t c = 0; c < cols; ++c) {
        float w = 0;
        std::memcpy(&w, ref->data.data() + 4 * (row * cols + c), 4);
        amax = std::max(amax, std::fabs(w));
        const auto q = static_cast<std::int8_t>(o->data[static_cast<std::size_t>(row * cols + c)]);
        EXPECT_EQ(q, static_cast<std::int8_t>(std::nearbyint(w * scale))) << c;
    }
    EXPECT_EQ(scale, 127.0f / amax);
    // read back and run: the engine dequantizes as CTranslate2 does and generates
    const std::string back = to_gguf(out, dir.file("back.gguf"));
    EXPECT_NE(GgufFile(back).find("blk.0.attn_output.weight"), nullptr);
}

// Qwen2: biases stacked as linear_0/bias; a tied output projection is an alias of the embeddings.
TEST(Ctranslate2Export, Qwen2BiasesAndTiedProjection) {
    const test::TempDir dir;
    SyntheticShape s;
    s.n_layer = 2;
    s.tied_embeddings = true;
    test::synthetic_checkpoint(dir, "q2", "qwen2", s);
    const std::string gguf = test::converted(dir, "q2", TensorType::F32);
    const std::string out = ct2_of(gguf, dir.file("q2-ct2"), "int8");
    const Ct2ModelBin bin(out + "/model.bin");
    bool aliased = false;
    for (const auto& [alias, target] : bin.aliases()) aliased |= alias == "decoder/projection/weight" && target == "decoder/embeddings/weight";
    EXPECT_TRUE(aliased);
    const GgufFile g(gguf);
    if (g.find("blk.0.attn_q.bias") != nullptr) {
        const Ct2Variable* b = bin.find("decoder/layer_0/self_attention/linear_0/bias");
        ASSERT_NE(b, nullptr);
        EXPECT_EQ(b->info.elements(), static_cast<std::uint64_t>(256 + 2 * 128));
    }
    EXPECT_EQ(bin.find("decoder/layer_0/self_attention/num_heads_kv")->info.dtype, Ct2Dtype::I32);
    const std::string back = to_gguf(out, dir.file("back.gguf"));
    EXPECT_EQ(GgufFile(back).find("output.weight"), nullptr);  // tied again
    // Qwen2's q/k/v biases name it; without them it is a Llama decoder (CTranslate2 keeps no family), whose
    // RoPE over halves the converter turns into llama.cpp's pairs: the same model, the same greedy text
    const bool biases = GgufFile(gguf).find("blk.0.attn_q.bias") != nullptr;
    EXPECT_EQ(GgufFile(back).metadata().get_string("general.architecture").value_or(""), biases ? "qwen2" : "llama");
    const std::string f32_back = to_gguf(ct2_of(gguf, dir.file("q2-f32"), "float32"), dir.file("f32-back.gguf"));
    auto greedy = [](const std::string& model) {
        GenerateRequest g;
        g.model = model;
        g.prompt = "def parse(";
        g.n_predict = 16;
        g.temperature = 0.0f;
        return generate(g).tokens;
    };
    EXPECT_EQ(greedy(f32_back), greedy(gguf));
}

// An AutoAWQ checkpoint: its qweight, scales and qzeros are CTranslate2's weight, weight_scale and weight_zero
// byte for byte (q, k and v concatenated on GEMM's output axis, as its converter's fuse_linear_prequant);
// read back, the linears are the checkpoint's.
TEST(Ctranslate2Export, AwqWeightsKeptAndReadBack) {
    const test::TempDir dir;
    QuantizeRequest q;
    q.input = test::fixture("models/pydoc6m");
    q.output = dir.file("awq");
    q.format = "awq";
    q.method = "awq";
    q.bits = 4;
    q.group_size = 128;
    q.calib = test::fixture("text/pydoc-valid.txt");
    q.calib_samples = 4;
    q.calib_ctx = 64;
    q.progress = false;
    quantize(q);
    const std::string out = ct2_of(dir.file("awq"), dir.file("awq-ct2"), "int8_float16");
    const nlohmann::json config = json_file(out + "/config.json");
    EXPECT_EQ(config["quantization_type"], 1);  // AWQ_GEMM
    EXPECT_EQ(config["quantization_bits"], 4);
    EXPECT_EQ(config["quantization_group_size"], 128);
    const Ct2ModelBin bin(out + "/model.bin");
    const HfCheckpoint ck(dir.file("awq"));
    const std::pair<const char*, Ct2Dtype> parts[] = {{"qweight", Ct2Dtype::I32}, {"scales", Ct2Dtype::F16}, {"qzeros", Ct2Dtype::I32}};
    const char* suffixes[] = {"", "_scale", "_zero"};
    for (int i = 0; i < 3; ++i) {
        const Ct2Variable* v = bin.find(std::string("decoder/layer_1/self_attention/linear_0/weight") + suffixes[i]);
        ASSERT_NE(v, nullptr) << suffixes[i];
        EXPECT_EQ(v->info.dtype, parts[i].second);
        std::vector<const TensorView*> ts;
        for (const char* m : {"q_proj", "k_proj", "v_proj"}) ts.push_back(ck.find(std::string("model.layers.1.self_attn.") + m + "." + parts[i].first));
        std::vector<std::uint8_t> want;  // concatenated on axis 1: each row, then the next
        const std::size_t es = ct2_dtype_size(parts[i].second);
        for (std::int64_t r = 0; r < ts[0]->ne[1]; ++r)
            for (const TensorView* t : ts)
                want.insert(want.end(), t->data.begin() + r * t->ne[0] * es, t->data.begin() + (r + 1) * t->ne[0] * es);
        EXPECT_EQ(std::vector<std::uint8_t>(v->data.begin(), v->data.end()), want) << parts[i].first;
    }
    const Ct2Variable* down = bin.find("decoder/layer_0/ffn/linear_1/weight");
    const TensorView* qw = ck.find("model.layers.0.mlp.down_proj.qweight");
    EXPECT_EQ(std::vector<std::uint8_t>(down->data.begin(), down->data.end()), bytes_of(*qw));
    EXPECT_EQ(bin.find("decoder/embeddings/weight")->info.dtype, Ct2Dtype::F16);
    // read back: the same dequantized linears as the checkpoint itself gives
    const GgufFile back(to_gguf(out, dir.file("back.gguf"))), direct(to_gguf(dir.file("awq"), dir.file("direct.gguf")));
    for (const char* name : {"blk.0.attn_q.weight", "blk.1.attn_v.weight", "blk.1.ffn_down.weight", "blk.0.attn_output.weight"})
        EXPECT_TRUE(bytes_of(*back.find(name)) == bytes_of(*direct.find(name))) << name;
}

TEST(Ctranslate2Export, RefusesWhatItCannotWriteOrRead) {
    const test::TempDir dir;
    SyntheticShape s;
    s.n_layer = 1;
    test::synthetic_checkpoint(dir, "g2", "gemma2", s);
    try {
        ct2_of(dir.file("g2"), dir.file("g2-ct2"), "int8");
        ADD_FAILURE() << "gemma2 written";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("no CTranslate2 decoder"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(dir.file("g2-ct2")));
    EXPECT_THROW(ct2_of(test::fixture("gguf/pydoc6m-f32.gguf"), dir.file("x"), "int4"), Error);
    // a directory with model.bin and vocabulary.json alone has no tokenizer to read
    const std::string out = ct2_of(test::fixture("gguf/pydoc6m-f32.gguf"), dir.file("p6"), "float16");
    fs::remove(out + "/tokenizer.model");
    try {
        to_gguf(out, dir.file("back.gguf"));
        ADD_FAILURE() << "read without a tokenizer";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("--copy_files"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace qforge
