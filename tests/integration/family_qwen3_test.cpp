// Qwen3 (model/families/qwen3.cpp) through the pipeline, on a random-weight checkpoint the project's generator
// writes at test time (model/synthetic_checkpoint.h: 2 layers, n_embd 256, 4 heads of 128 over 2 kv heads,
// n_ff 512, pydoc6m's SentencePiece tokenizer, seed 1). llama.cpp c392e509 predates Qwen3, so the references
// are ik_llama.cpp 8337e4c's, made once in a scratch folder (never committed):
//   make_synthetic_model q3 --format hf --arch qwen3 --tokenizer ../shared/fixtures/models/pydoc6m
//     --n-embd 256 --n-layer 2 --n-head 4 --n-head-kv 2 --head-dim 128 --n-ff 512 --n-vocab 4096 --type f32
//   python3 ik_llama.cpp/convert_hf_to_gguf.py q3 --outfile q3-{f32,f16}.gguf --outtype {f32,f16}
//     (Debian's python3-torch 1.13: torch.float8_* looked up with getattr, a stand-in `safetensors.safe_open`)
//   ik_llama.cpp/build/bin/llama-perplexity -m q3-f32.gguf -f pydoc-test.txt -c 128 --chunks 40 -t 2
//   ik_llama.cpp/build/bin/llama-cli -m q3-f32.gguf -p "def parse(" -n 24 --temp 0 -t 2
// The mixes come from llama.cpp c392e509's llama-quantize (ik_llama.cpp's k-quant rounding differs from
// llama.cpp's, and c392e509 cannot load a qwen3 file): the f32 file with general.architecture and the qwen3.*
// keys renamed to llama (its mix rules single out only falcon and 70B llama), then
//   llama-quantize q3-as-llama.gguf q3-MIX.gguf MIX 2
// and the digest of test::tensor_digest() computed from that file (gguf-py: name, ggml type id, sha256 of the
// data, by name).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "convert/convert.h"
#include "formats/gguf/gguf_file.h"
#include "model/model_family.h"
#include "model/synthetic_checkpoint.h"
#include "qforge/qforge.h"
#include "support/calibration_figure.h"
#include "support/fixtures.h"
#include "support/sha256.h"
#include "support/tensor_digest.h"
#include "support/temp_dir.h"

namespace qforge {
namespace {

using test::fixture;
using test::TempDir;

// sha256sum of ik_llama.cpp's converter's outputs
constexpr const char* kQwen3F32Sha256 = "4098ecc9a7360e41399d6c2db8b575319dbeed8724b3688259d3e08b28d387aa";
constexpr const char* kQwen3F16Sha256 = "60c911d69415f7c142e7d925dbde9a5557596b664a0c1617921c6e4c26a10096";
constexpr double kQwen3Ppl = 59313.1347;  // "Final estimate: PPL over 40 chunks for n_ctx=128 = 59313.1347 +/- 2662.85185"

// The checkpoint of the commands above.
std::string write_qwen3(const TempDir& dir) {
    const std::string out = dir.file("q3");
    SyntheticShape s;
    s.n_embd = 256;
    s.n_layer = 2;
    s.n_head = 4;
    s.n_head_kv = 2;
    s.head_dim = 128;
    s.n_ff = 512;
    s.n_vocab = 4096;
    SyntheticCheckpointOptions o;
    o.dtype = TensorType::F32;
    o.seed = 1;
    o.tokenizer_dir = fixture("models/pydoc6m");
    write_synthetic_checkpoint(*find_family("qwen3"), s, o, out);
    return out;
}

std::string convert(const std::string& src, const std::string& out, TensorType outtype) {
    ConvertOptions o;
    o.outtype = outtype;
    o.progress = false;
    convert_to_gguf(src, out, o);
    return out;
}

TEST(Qwen3Family, ConvertsAsIkLlamaCppsConverter) {
    const TempDir dir;
    const std::string hf = write_qwen3(dir);
    // the whole files, metadata and tensor data: sha256sum of ik_llama.cpp's outputs
    EXPECT_EQ(test::sha256_file(convert(hf, dir.file("q3-f32.gguf"), TensorType::F32)), kQwen3F32Sha256);
    EXPECT_EQ(test::sha256_file(convert(hf, dir.file("q3-f16.gguf"), TensorType::F16)), kQwen3F16Sha256);
    const GgufFile f(dir.file("q3-f32.gguf"));
    EXPECT_EQ(f.metadata().get_string("general.architecture").value_or(""), "qwen3");
    EXPECT_EQ(f.metadata().get_int("qwen3.attention.key_length").value_or(0), 128);
    ASSERT_NE(f.find("blk.1.attn_q_norm.weight"), nullptr);
    EXPECT_EQ(f.find("blk.1.attn_q_norm.weight")->ne, (std::vector<std::int64_t>{128}));
}

TEST(Qwen3Family, PerplexityMatchesIkLlamaCpp) {
    const TempDir dir;
    PerplexityRequest r;
    r.model = convert(write_qwen3(dir), dir.file("q3-f32.gguf"), TensorType::F32);
    r.text = test::read_file_bytes(fixture("text/pydoc-test.txt"));
    r.n_ctx = 128;
    r.n_chunks = 40;
    r.threads = 2;
    const PerplexityReport p = perplexity(r);
    EXPECT_NEAR(p.ppl, kQwen3Ppl, kQwen3Ppl * 1e-4) << "ik_llama.cpp: " << kQwen3Ppl;
}

TEST(Qwen3Family, MixesQuantizeAsLlamaQuantize) {
    const TempDir dir;
    const std::string f32 = convert(write_qwen3(dir), dir.file("q3-f32.gguf"), TensorType::F32);
    for (const auto& [mix, digest] : {std::pair{"Q4_K_M", "be8d0a71e1357f64857012bcf2f7d05fcd7e117c12ef8370275e731d7e43792c"},
                                      std::pair{"Q3_K_M", "b4ce3efc47cd9d3e11152e8a920589c324ea6bc31c065e010641c3d7ef9f7e0e"},
                                      std::pair{"Q6_K", "480aa8d52a2d69093ccb42c2b135ebaf5fe983da22a88b7a14708d4929b172a0"}}) {
        QuantizeRequest q;
        q.input = f32;
        q.output = dir.file(std::string("q3-") + mix + ".gguf");
        q.type = mix;
        q.progress = false;
        quantize(q);
        EXPECT_EQ(test::tensor_digest(q.output), digest) << mix;
    }
}

TEST(Qwen3Family, GreedyTextIsIkLlamaClis) {
    const TempDir dir;
    GenerateRequest g;
    g.model = convert(write_qwen3(dir), dir.file("q3-f32.gguf"), TensorType::F32);
    g.prompt = "def parse(";
    g.n_predict = 24;
    g.temperature = 0.0f;
    g.threads = 2;
    EXPECT_EQ(generate(g).text,
              "dingdingding Call containdingding extrading extradingGS extra extra extraSSLContext extraSSLContext "
              "extraSSLContext extraSSLContext extraSSLContext");
}

// GPTQ and AWQ into Q4_K_M against llama.cpp's way (round to nearest with an importance matrix from the same
// text), mean KLD against the F32 model on 40 chunks of held-out text. Measured when written: imatrix 0.085069,
// GPTQ 0.065651 (0.77x), AWQ 0.078907 (0.93x).
TEST(Qwen3Figure, GptqAndAwqQ4KMCloserToF32ThanImatrix) {
    const TempDir dir;
    const std::string f32 = convert(write_qwen3(dir), dir.file("q3-f32.gguf"), TensorType::F32);
    const test::Q4KMKlds k = test::q4km_klds(f32, test::figure_base(f32, dir), dir);
    std::printf("qwen3 Q4_K_M mean KLD, 40 chunks: imatrix %.6f, GPTQ %.6f, AWQ %.6f\n", k.imatrix, k.gptq, k.awq);
    EXPECT_LT(k.gptq, 0.85 * k.imatrix);
    EXPECT_LT(k.awq, k.imatrix);
}

}  // namespace
}  // namespace qforge
