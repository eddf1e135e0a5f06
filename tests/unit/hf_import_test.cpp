// Hugging Face -> GGUF planning on small synthetic checkpoints: Qwen2 (biases, no permutation, BPE tokenizer,
// tied embeddings) and a sharded BF16 Llama (Q/K permutation of weights and biases).
#include <gtest/gtest.h>

#include <cstring>
#include <map>

#include "convert/hf_to_gguf.h"
#include "core/error.h"
#include "core/float_convert.h"
#include "formats/gguf/gguf_file.h"
#include "formats/safetensors/safetensors_writer.h"
#include "model/rope_permute.h"
#include "support/temp_dir.h"

namespace qforge {
namespace {

// Writes tensors (given in PyTorch shape order) with values i*0.01 + salt, stored as `type`.
void write_checkpoint(const std::string& path, const std::map<std::string, std::vector<std::int64_t>>& shapes,
                      TensorType type) {
    std::vector<SafetensorsEntry> entries;
    for (const auto& [name, shape] : shapes) entries.push_back({name, type, {shape.rbegin(), shape.rend()}});
    SafetensorsWriter w(path, entries);
    float salt = 0.0f;
    for (const auto& e : entries) {
        std::int64_t n = 1;
        for (auto d : e.ne) n *= d;
        std::vector<float> v(static_cast<std::size_t>(n));
        for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i) * 0.01f + salt;
        salt += 1.0f;
        std::vector<std::uint8_t> bytes(e.nbytes());
        convert_from_f32(type, v.data(), bytes.data(), v.size());
        w.write(bytes);
    }
    w.finish();
}

std::map<std::string, std::vector<std::int64_t>> layer0(bool biases) {
    std::map<std::string, std::vector<std::int64_t>> s = {
        {"model.embed_tokens.weight", {6, 8}},
        {"model.norm.weight", {8}},
        {"model.layers.0.input_layernorm.weight", {8}},
        {"model.layers.0.post_attention_layernorm.weight", {8}},
        {"model.layers.0.self_attn.q_proj.weight", {8, 8}},
        {"model.layers.0.self_attn.k_proj.weight", {4, 8}},
        {"model.layers.0.self_attn.v_proj.weight", {4, 8}},
        {"model.layers.0.self_attn.o_proj.weight", {8, 8}},
        {"model.layers.0.mlp.gate_proj.weight", {16, 8}},
        {"model.layers.0.mlp.up_proj.weight", {16, 8}},
        {"model.layers.0.mlp.down_proj.weight", {8, 16}},
        {"model.layers.0.self_attn.rotary_emb.inv_freq", {2}},
    };
    if (biases) {
        s["model.layers.0.self_attn.q_proj.bias"] = {8};
        s["model.layers.0.self_attn.k_proj.bias"] = {4};
        s["model.layers.0.self_attn.v_proj.bias"] = {4};
    }
    return s;
}

const char* kQwenTokenizer = R"({"added_tokens":[{"id":5,"content":"<|endoftext|>","special":true}],
  "pre_tokenizer":{"type":"Sequence","pretokenizers":[{"type":"Split","pattern":{"Regex":
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"}},
  {"type":"ByteLevel","use_regex":false}]},
  "model":{"type":"BPE","vocab":{"a":0,"b":1,"c":2,"ab":3,"abc":4},"merges":["a b","ab c"]}})";

ConvertOptions opts(TensorType t) {
    ConvertOptions o;
    o.outtype = t;
    o.progress = false;
    return o;
}

TEST(HfImport, Qwen2KeepsRowOrderAndBiases) {
    test::TempDir dir;
    dir.write("config.json", R"({"architectures":["Qwen2ForCausalLM"],"hidden_size":8,"intermediate_size":16,
        "num_hidden_layers":1,"num_attention_heads":2,"num_key_value_heads":1,"vocab_size":6,
        "max_position_embeddings":32,"rms_norm_eps":1e-6,"rope_theta":1000000.0,"tie_word_embeddings":true,
        "eos_token_id":5})");
    dir.write("tokenizer.json", kQwenTokenizer);
    write_checkpoint(dir.file("model.safetensors"), layer0(true), TensorType::F16);
    HfCheckpoint ck(dir.path());
    const GgufPlan plan = plan_hf_to_gguf(ck, opts(TensorType::F16));
    write_gguf_plan(dir.file("out.gguf"), plan.metadata, plan.tensors, false);

    GgufFile f(dir.file("out.gguf"));
    const auto& m = f.metadata();
    EXPECT_EQ(m.get_string("general.architecture"), "qwen2");
    EXPECT_EQ(m.get_int("qwen2.block_count"), 1);
    EXPECT_EQ(m.get_int("qwen2.attention.head_count_kv"), 1);
    EXPECT_EQ(m.get_int("qwen2.context_length"), 32);
    EXPECT_FLOAT_EQ(static_cast<float>(*m.get_float("qwen2.rope.freq_base")), 1e6f);
    EXPECT_FALSE(m.contains("qwen2.vocab_size"));
    EXPECT_EQ(m.get_string("tokenizer.ggml.model"), "gpt2");
    EXPECT_EQ(m.get_string("tokenizer.ggml.pre"), "qwen2");
    EXPECT_EQ(m.get_int("tokenizer.ggml.eos_token_id"), 5);
    EXPECT_EQ(m.get("tokenizer.ggml.merges").as_array("merges").size(), 2u);
    EXPECT_EQ(f.find("output.weight"), nullptr);  // tied: llama.cpp uses token_embd
    EXPECT_EQ(f.find("blk.0.attn_q.bias")->type, TensorType::F32);
    EXPECT_EQ(f.find("blk.0.attn_q.weight")->type, TensorType::F16);
    // no permutation for Qwen2: bytes equal the source
    const TensorView* src = ck.find("model.layers.0.self_attn.q_proj.weight");
    const TensorView* out = f.find("blk.0.attn_q.weight");
    ASSERT_EQ(src->data.size(), out->data.size());
    EXPECT_EQ(std::memcmp(src->data.data(), out->data.data(), src->data.size()), 0);
    EXPECT_EQ(f.tensors().size(), 14u);  // 11 + 3 biases; rotary_emb.inv_freq dropped
}

TEST(HfImport, ShardedBf16LlamaPermutesQueriesKeysAndTheirBiases) {
    test::TempDir dir;
    dir.write("config.json", R"({"architectures":["LlamaForCausalLM"],"hidden_size":8,"intermediate_size":16,
        "num_hidden_layers":1,"num_attention_heads":2,"num_key_value_heads":1,"vocab_size":6,
        "rope_scaling":{"type":"linear","factor":4.0},"bos_token_id":1})");
    dir.write("tokenizer.json", kQwenTokenizer);
    auto shapes = layer0(true);
    std::map<std::string, std::vector<std::int64_t>> a, b;
    for (const auto& [k, v] : shapes) (k < "model.layers.0.self_attn" ? a : b)[k] = v;
    write_checkpoint(dir.file("model-00001-of-00002.safetensors"), a, TensorType::BF16);
    write_checkpoint(dir.file("model-00002-of-00002.safetensors"), b, TensorType::BF16);
    std::string index = R"({"weight_map":{)";
    for (const auto& [k, v] : shapes)
        index += "\"" + k + "\":\"model-0000" + (a.count(k) ? "1" : "2") + "-of-00002.safetensors\",";
    index.back() = '}';
    dir.write("model.safetensors.index.json", index + "}");

    HfCheckpoint ck(dir.path());
    const GgufPlan plan = plan_hf_to_gguf(ck, opts(TensorType::F32));
    write_gguf_plan(dir.file("out.gguf"), plan.metadata, plan.tensors, false);
    GgufFile f(dir.file("out.gguf"));
    EXPECT_EQ(f.metadata().get_string("llama.rope.scaling.type"), "linear");
    EXPECT_EQ(f.metadata().get_int("llama.rope.dimension_count"), 4);
    EXPECT_EQ(f.metadata().get_int("general.file_type"), 0);

    struct Case { const char* hf; const char* gguf; std::int64_t heads; std::size_t row; };
    for (const Case c : {Case{"model.layers.0.self_attn.q_proj.weight", "blk.0.attn_q.weight", 2, 8},
                         Case{"model.layers.0.self_attn.k_proj.weight", "blk.0.attn_k.weight", 1, 8},
                         Case{"model.layers.0.self_attn.q_proj.bias", "blk.0.attn_q.bias", 2, 1},
                         Case{"model.layers.0.self_attn.k_proj.bias", "blk.0.attn_k.bias", 1, 1}}) {
        SCOPED_TRACE(c.gguf);
        const TensorView* src = ck.find(c.hf);
        const TensorView* out = f.find(c.gguf);
        ASSERT_NE(out, nullptr);
        ASSERT_EQ(out->type, TensorType::F32);
        std::vector<float> expect(static_cast<std::size_t>(src->n_elements())), back(expect.size());
        convert_to_f32(TensorType::BF16, src->data.data(), expect.data(), expect.size());
        const std::int64_t rows = static_cast<std::int64_t>(expect.size() / c.row);
        unpermute_rope_rows(out->data.data(), reinterpret_cast<std::uint8_t*>(back.data()), rows, c.row * 4, c.heads);
        EXPECT_EQ(back, expect);
        EXPECT_NE(std::memcmp(out->data.data(), expect.data(), out->data.size()), 0) << "rows were not permuted";
    }
}

TEST(HfImport, RefusesWhatItCannotConvert) {
    test::TempDir dir;
    dir.write("tokenizer.json", kQwenTokenizer);
    write_checkpoint(dir.file("model.safetensors"), layer0(false), TensorType::F32);
    dir.write("config.json", R"({"architectures":["GPTNeoXForCausalLM"],"hidden_size":8,"num_hidden_layers":1,
        "num_attention_heads":2,"vocab_size":6})");
    EXPECT_THROW(plan_hf_to_gguf(HfCheckpoint(dir.path()), opts(TensorType::F16)), Error);
    dir.write("config.json", R"({"architectures":["LlamaForCausalLM"],"hidden_size":8,"num_hidden_layers":1,
        "num_attention_heads":3,"vocab_size":6})");
    EXPECT_THROW(plan_hf_to_gguf(HfCheckpoint(dir.path()), opts(TensorType::F16)), Error);
    dir.write("config.json", R"({"architectures":["LlamaForCausalLM"],"hidden_size":8,"num_hidden_layers":1,
        "vocab_size":6})");
    EXPECT_THROW(plan_hf_to_gguf(HfCheckpoint(dir.path()), opts(TensorType::F16)), Error);
}

}  // namespace
}  // namespace qforge
