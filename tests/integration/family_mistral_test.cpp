// Mistral's sliding window (Mistral 7B v0.1: 4096 of 32768 positions). llama.cpp's converter drops config.json's
// sliding_window and its llama graph attends everywhere; qforge's converter keeps it as
// llama.attention.sliding_window and its engine applies it, as transformers does (hf_hparams.cpp says why). The
// test checkpoint (model/synthetic_checkpoint.h, pydoc6m's tokenizer):
//   make_synthetic_model m7 --format hf --arch llama --hf-class MistralForCausalLM --tokenizer
//     ../shared/fixtures/models/pydoc6m --n-embd 256 --n-layer 4 --n-head 4 --n-head-kv 2 --n-ff 512
//     --n-vocab 4096 --type f32 --sliding-window 48
// The reference for the windowed model is llama.cpp c392e509 itself, on the same weights written as the
// Phi3ForCausalLM that computes the same function (q, k, v rows stacked into qkv_proj, gate and up into
// gate_up_proj, the same window, no rope scaling; a scratch script, never committed), whose graph applies the window:
//   python3 llama.cpp/convert_hf_to_gguf.py m7-as-phi3 --outfile m7p3-f32.gguf --outtype f32
//   llama-perplexity -m m7p3-f32.gguf -f pydoc-test.txt -c 128 --chunks 40 -t 2      -> 56803.5243
// and llama.cpp on qforge's file runs it unchanged, attending everywhere:
//   llama-perplexity -m m7-f32.gguf (qforge's) ...                                    -> 61600.9778
#include <gtest/gtest.h>

#include <filesystem>

#include "convert/convert.h"
#include "formats/gguf/gguf_file.h"
#include "model/llama_model.h"
#include "model/model_family.h"
#include "model/synthetic_checkpoint.h"
#include "qforge/qforge.h"
#include "support/family_checks.h"
#include "support/fixtures.h"
#include "support/tensor_digest.h"
#include "support/scheduler_runs.h"
#include "support/temp_dir.h"

namespace qforge {
namespace {

using test::fixture;
using test::TempDir;

std::string convert_mistral(const TempDir& dir, std::int64_t window, std::int64_t n_ctx = 1024) {
    const std::string name = "m7-w" + std::to_string(window) + "-c" + std::to_string(n_ctx);
    SyntheticShape s;
    s.n_embd = 256;
    s.n_layer = 4;
    s.n_head = 4;
    s.n_head_kv = 2;
    s.n_ff = 512;
    s.n_vocab = 4096;
    s.n_ctx = n_ctx;
    s.sliding_window = window;
    test::synthetic_checkpoint(dir, name, "llama", s, 1, "MistralForCausalLM");
    return test::converted(dir, name, TensorType::F32);
}

double ppl(const std::string& model) { return test::perplexity_of(model, 128, 40); }

TEST(MistralFamily, SlidingWindowKeptAndApplied) {
    const TempDir dir;
    const std::string windowed = convert_mistral(dir, 48);
    const GgufFile f(windowed);
    EXPECT_EQ(f.metadata().get_int("llama.attention.sliding_window").value_or(0), 48);
    // the tensors are llama.cpp's converter's (its file lacks only the key)
    EXPECT_EQ(test::tensor_digest(windowed), "fa287d4fa3d11acfa448ac27409fe0a0dd44694998e55911c2add80b0a1c3704");
    EXPECT_NEAR(ppl(windowed), 56803.5243, 56803.5243 * 1e-4);  // llama.cpp on the same weights as Phi-3, windowed
    // a window that covers the whole context is not written: llama.cpp's file, attending everywhere
    const std::string covering = convert_mistral(dir, 1024, 1024);
    EXPECT_FALSE(GgufFile(covering).metadata().get_int("llama.attention.sliding_window").has_value());
    EXPECT_NEAR(ppl(covering), 61600.9778, 61600.9778 * 1e-4);  // llama-perplexity on the windowed file, which ignores the key
}

// Served: 8 greedy requests of 64 tokens (past the window of 48, over KV blocks) give the same tokens and
// log-probabilities alone and all together in the continuous-batching scheduler.
TEST(MistralFamily, ServesBatchedAsAlone) {
    const TempDir dir;
    const std::string path = convert_mistral(dir, 48);
    const LlamaModel model(path);
    test::expect_batched_equals_alone(model, Tokenizer::from_gguf(model.file().metadata(), path), 8, 64, 128);
}

}  // namespace
}  // namespace qforge
