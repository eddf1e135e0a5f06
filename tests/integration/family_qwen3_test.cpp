// Qwen3 (model/families/qwen3.cpp) through the pipeline, on a random-weight checkpoint the project's generator
// writes at test time (model/synthetic_checkpoint.h: 2 layers, n_embd 256, 4 heads of 128 over 2 kv heads,
// n_ff 512, pydoc6m's SentencePiece tokenizer, seed 1). llama.cpp c392e509 predates Qwen3, so the references
// are ik_llama.cpp 8337e4c's, made once in a scratch folder (never committed):
//   make_synthetic_model q3 --format hf --arch qwen3 --tokenizer ../shared/fixtures/models/pydoc6m
//     --n-embd 256 --n-layer 2 --n-head 4 --n-head-kv 2 --head-dim 128 --n-ff 512 --n-vocab 4096 --type f32
//   python3 ik_llama.cpp/convert_hf_to_gguf.py q3 --outfile q3-{f32,f16}.gguf --outtype {f32,f16}
//     (Debian's python3-torch 1.13: torch.float8_* looked up with getattr, a stand-in `safetensors.safe_open`)
#include <gtest/gtest.h>

#include <filesystem>

#include "convert/convert.h"
#include "formats/gguf/gguf_file.h"
#include "model/model_family.h"
#include "model/synthetic_checkpoint.h"
#include "qforge/qforge.h"
#include "support/fixtures.h"
#include "support/sha256.h"
#include "support/temp_dir.h"

namespace qforge {
namespace {

using test::fixture;
using test::TempDir;

// sha256sum of ik_llama.cpp's converter's outputs
constexpr const char* kQwen3F32Sha256 = "4098ecc9a7360e41399d6c2db8b575319dbeed8724b3688259d3e08b28d387aa";
constexpr const char* kQwen3F16Sha256 = "60c911d69415f7c142e7d925dbde9a5557596b664a0c1617921c6e4c26a10096";

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

}  // namespace
}  // namespace qforge
