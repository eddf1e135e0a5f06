// `qforge convert MODEL OUT_DIR --format hf`: a GGUF as a Hugging Face checkpoint directory. llama.cpp's own
// files of pydoc6m come out as the checkpoint they were converted from (every tensor byte for byte) and go back
// to the same GGUF file byte for byte; every family does the same through a synthetic checkpoint; quantized
// tensors come out dequantized; a checkpoint written from a GGUF is the one written from its source.
#include <gtest/gtest.h>

#include <filesystem>

#include "convert/convert.h"
#include "core/error.h"
#include "formats/gguf/gguf_file.h"
#include "formats/hf/hf_checkpoint.h"
#include "model/model_family.h"
#include "qforge/qforge.h"
#include "quant/codecs/codec_table.h"
#include "support/family_checks.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

namespace qforge {
namespace {
namespace fs = std::filesystem;

std::string exported(const std::string& model, const std::string& dir, const std::string& outtype = "") {
    ConvertRequest r;
    r.source = model;
    r.output = dir;
    r.format = "hf";
    r.outtype = outtype;
    r.progress = false;
    convert(r);
    return dir;
}

std::string to_gguf(const std::string& dir, const std::string& out, const std::string& outtype) {
    ConvertRequest r;
    r.source = dir;
    r.output = out;
    r.outtype = outtype;
    r.progress = false;
    convert(r);
    return out;
}

void expect_same_tensors(const TensorSource& a, const TensorSource& b) {
    ASSERT_EQ(a.tensors().size(), b.tensors().size());
    for (const TensorView& t : a.tensors()) {
        const TensorView* u = b.find(t.name);
        ASSERT_NE(u, nullptr) << t.name;
        EXPECT_EQ(t.type, u->type) << t.name;
        EXPECT_EQ(t.ne, u->ne) << t.name;
        EXPECT_TRUE(std::equal(t.data.begin(), t.data.end(), u->data.begin(), u->data.end())) << t.name;
    }
}

class PydocExport : public ::testing::TestWithParam<const char*> {};

TEST_P(PydocExport, GoesBackToLlamaCppsFileByteForByte) {
    const std::string type = GetParam();
    test::TempDir dir;
    // the directory's name is general.name's source, as for llama.cpp's converter
    const std::string hf = exported(test::fixture("gguf/pydoc6m-" + type + ".gguf"), dir.file("pydoc6m"));
    const std::string back = to_gguf(hf, dir.file("back.gguf"), type);
    EXPECT_EQ(test::read_file_bytes(back), test::read_file_bytes(test::fixture("gguf/pydoc6m-" + type + ".gguf")));
    if (type == std::string("f32")) expect_same_tensors(HfCheckpoint(hf), HfCheckpoint(test::fixture("models/pydoc6m")));
    const HfCheckpoint ck(hf);
    EXPECT_EQ(ck.config()["torch_dtype"], type == std::string("f32") ? "float32" : type == std::string("f16") ? "float16" : "bfloat16");
    EXPECT_EQ(ck.config()["rms_norm_eps"].dump(), "1e-05");
    EXPECT_EQ(ck.config()["bos_token_id"], 1);
}

INSTANTIATE_TEST_SUITE_P(LlamaCpp, PydocExport, ::testing::Values("f32", "f16", "bf16"));

// Each family's converted checkpoint, exported and converted again, is the same GGUF file: config.json holds
// every key the converter writes (sliding windows, soft-capping, LongRoPE factors, expert counts), and the
// tensors come back from their Hugging Face names, row orders, (1 + w) norms and per-expert matrices.
struct FamilyCase {
    const char* arch;
    SyntheticShape shape;
};

class FamilyExport : public ::testing::TestWithParam<FamilyCase> {};

TEST_P(FamilyExport, ConvertsBackToTheSameFile) {
    const FamilyCase& c = GetParam();
    test::TempDir dir;
    test::synthetic_checkpoint(dir, "syn", c.arch, c.shape);
    const std::string gguf = test::converted(dir, "syn", TensorType::F32);
    fs::create_directory(dir.file("out"));
    const std::string hf = exported(gguf, dir.file("out/syn"));
    const std::string back = to_gguf(hf, dir.file("back.gguf"), "f32");
    EXPECT_EQ(test::read_file_bytes(back), test::read_file_bytes(gguf)) << c.arch;
    // the exported tensors are the checkpoint's, but Gemma's norms (1 + w, then w again in f32)
    const HfCheckpoint ours(hf), source(dir.file("syn"));
    for (const TensorView& t : source.tensors()) {
        const TensorView* u = ours.find(t.name);
        ASSERT_NE(u, nullptr) << t.name;
        if (find_family(c.arch)->norms_plus_one && t.name.ends_with("norm.weight")) continue;
        EXPECT_TRUE(std::equal(t.data.begin(), t.data.end(), u->data.begin(), u->data.end())) << c.arch << " " << t.name;
    }
}

SyntheticShape shape(std::int64_t sliding = 0, std::int64_t experts = 0, std::int64_t n_ctx_orig = 0) {
    SyntheticShape s;
    s.n_embd = 128;
    s.n_ff = 256;
    s.sliding_window = sliding;
    s.n_expert = experts;
    s.n_expert_used = experts > 0 ? 2 : 0;
    s.n_ctx = n_ctx_orig > 0 ? 2048 : 1024;
    s.n_ctx_orig = n_ctx_orig;
    return s;
}

INSTANTIATE_TEST_SUITE_P(Families, FamilyExport,
                         ::testing::Values(FamilyCase{"llama", shape()}, FamilyCase{"llama", shape(0, 4)}, FamilyCase{"qwen2", shape()},
                                           FamilyCase{"qwen3", shape()}, FamilyCase{"qwen3moe", shape(0, 4)},
                                           FamilyCase{"phi3", shape(256, 0, 512)}, FamilyCase{"gemma2", shape(64)},
                                           FamilyCase{"gemma3", shape(64)}),
                         [](const auto& info) { return std::string(info.param.arch) + (info.param.shape.n_expert > 0 ? "_moe" : ""); });

// A quantized GGUF comes out dequantized: converted back to F32, each tensor holds the dequantized values.
TEST(HfExport, QuantizedTensorsComeOutDequantized) {
    test::TempDir dir;
    const std::string q = test::fixture("gguf/pydoc6m-q4_k_m.gguf");
    const std::string hf = exported(q, dir.file("pydoc6m"), "f32");
    const GgufFile source(q), back(to_gguf(hf, dir.file("back.gguf"), "f32"));
    ASSERT_EQ(source.tensors().size(), back.tensors().size());
    for (const TensorView& t : source.tensors()) {
        const TensorView* u = back.find(t.name);
        ASSERT_NE(u, nullptr);
        ASSERT_EQ(u->type, TensorType::F32);
        const std::vector<float> want = dequantize_tensor(t), got = dequantize_tensor(*u);
        EXPECT_EQ(want, got) << t.name;
    }
}

// --format gptq from a GGUF writes what it writes from the checkpoint the GGUF came from.
TEST(HfExport, CheckpointFromAGgufIsTheCheckpointFromItsSource) {
    test::TempDir dir;
    auto quantize_to = [&](const std::string& input, const std::string& out) {
        QuantizeRequest r;
        r.input = input;
        r.output = dir.file(out);
        r.format = "gptq";
        r.bits = 4;
        r.group_size = 128;
        r.progress = false;
        quantize(r);
        return HfCheckpoint(dir.file(out));
    };
    const HfCheckpoint from_gguf = quantize_to(test::fixture("gguf/pydoc6m-f32.gguf"), "a");
    const HfCheckpoint from_hf = quantize_to(test::fixture("models/pydoc6m"), "b");
    expect_same_tensors(from_gguf, from_hf);
    EXPECT_EQ(from_gguf.config()["quantization_config"], from_hf.config()["quantization_config"]);
    EXPECT_FALSE(from_gguf.file("tokenizer.model").empty());
}

TEST(HfExport, RefusesWhatHasNoCheckpointForm) {
    test::TempDir dir;
    // a vocabulary-only file: no layers
    EXPECT_THROW(exported(test::fixture("vocab/ggml-vocab-llama-spm.gguf"), dir.file("a")), Error);
    // WordPiece (bert) has no family here
    try {
        exported(test::fixture("vocab/ggml-vocab-bert-bge.gguf"), dir.file("b"));
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("ggml-vocab-bert-bge.gguf: architecture 'bert'"), std::string::npos) << e.what();
    }
    // an existing, non-empty output directory is left alone
    fs::create_directory(dir.file("c"));
    dir.write("c/keep", "x");
    EXPECT_THROW(exported(test::fixture("gguf/pydoc6m-pure-q8_0.gguf"), dir.file("c")), Error);
    EXPECT_EQ(test::read_file_bytes(dir.file("c/keep")), "x");
    for (const auto& e : fs::directory_iterator(dir.path())) EXPECT_FALSE(e.path().filename().string().starts_with(".")) << e.path();
}

}  // namespace
}  // namespace qforge
