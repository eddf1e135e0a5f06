#include <gtest/gtest.h>

#include <set>

#include "model/model_family.h"

namespace qforge {
namespace {

TEST(ModelFamily, EveryLayerTensorsNamesMapBothWays) {
    for (const ModelFamily* f : model_families()) {
        std::set<LayerRole> roles;
        for (const LayerTensorSpec& t : f->layer) {
            EXPECT_TRUE(roles.insert(t.role).second) << f->gguf_arch << ": role listed twice: " << t.gguf;
            const std::string hf = hf_expert_tensor_name(t, 17, 0), gguf = "blk.17." + std::string(t.gguf);
            EXPECT_EQ(gguf_tensor_name(*f, hf).value_or("?"), gguf) << f->gguf_arch;
            EXPECT_EQ(hf_tensor_name(*f, gguf).value_or("?"), hf) << f->gguf_arch;
            const auto hf_parsed = parse_hf_layer_tensor(*f, t.per_expert() ? hf_expert_tensor_name(t, 17, 63) : hf);
            ASSERT_TRUE(hf_parsed) << hf;
            EXPECT_EQ(hf_parsed->spec, &t);
            EXPECT_EQ(hf_parsed->layer, 17);
            EXPECT_EQ(hf_parsed->expert, t.per_expert() ? 63 : -1);
            EXPECT_EQ(t.per_expert(), t.role == LayerRole::GateExps || t.role == LayerRole::UpExps || t.role == LayerRole::DownExps);
            const auto parsed = parse_layer_tensor(*f, gguf);
            ASSERT_TRUE(parsed) << gguf;
            EXPECT_EQ(parsed->layer, 17);
            EXPECT_EQ(parsed->spec, &t);
            EXPECT_EQ(f->find(t.role), &t);
            // a linear reads a group's input; vectors read none
            EXPECT_EQ(t.ne1 != Dim::None, t.input != InputGroup::None) << f->gguf_arch << " " << t.gguf;
        }
        for (LayerRole r : {LayerRole::AttnNorm, LayerRole::Wo, LayerRole::FfnNorm})
            EXPECT_TRUE(roles.contains(r)) << f->gguf_arch << " lacks role " << static_cast<int>(r);
        // q, k, v as three linears or one fused (Phi-3), not both
        const bool qkv = roles.contains(LayerRole::Wq) && roles.contains(LayerRole::Wk) && roles.contains(LayerRole::Wv);
        EXPECT_NE(qkv, roles.contains(LayerRole::Wqkv)) << f->gguf_arch;
        // a feed-forward block, dense (gate and up apart or fused) or routed (or both, by expert_count)
        const bool dense = ((roles.contains(LayerRole::Gate) && roles.contains(LayerRole::Up)) != roles.contains(LayerRole::GateUp)) &&
                           roles.contains(LayerRole::Down);
        const bool routed = roles.contains(LayerRole::GateInp) && roles.contains(LayerRole::GateExps) && roles.contains(LayerRole::UpExps) &&
                            roles.contains(LayerRole::DownExps);
        EXPECT_TRUE(dense || routed) << f->gguf_arch;
        EXPECT_EQ(gguf_tensor_name(*f, "model.embed_tokens.weight").value_or("?"), "token_embd.weight");
        EXPECT_EQ(gguf_tensor_name(*f, "lm_head.weight").value_or("?"), "output.weight");
        EXPECT_EQ(hf_tensor_name(*f, "output_norm.weight").value_or("?"), "model.norm.weight");
        EXPECT_EQ(find_family(f->gguf_arch), f);
        for (const HfClass& c : f->hf_classes) {
            EXPECT_EQ(find_family_by_hf_class(c.name), f);
            EXPECT_EQ(hf_model_type(*f, c.name), c.model_type);
        }
    }
}

TEST(ModelFamily, NamesOutsideTheFamilyAreNotMapped) {
    const ModelFamily& llama = *find_family("llama");
    const ModelFamily& qwen3 = *find_family("qwen3");
    EXPECT_FALSE(gguf_tensor_name(llama, "model.layers.0.self_attn.q_norm.weight"));  // qwen3's, not llama's
    EXPECT_EQ(gguf_tensor_name(qwen3, "model.layers.0.self_attn.q_norm.weight").value_or("?"), "blk.0.attn_q_norm.weight");
    EXPECT_FALSE(gguf_tensor_name(qwen3, "model.layers.0.self_attn.q_proj.bias"));  // qwen3 has no biases
    for (const char* bad : {"blk..attn_q.weight", "blk.x.attn_q.weight", "blk.-1.attn_q.weight", "blk.0.attn_q", "blk.0", "blk.",
                            "attn_q.weight", "blk.0.attn_q.weightx"})
        EXPECT_FALSE(parse_layer_tensor(llama, bad)) << bad;
    EXPECT_FALSE(gguf_tensor_name(llama, "model.layers.0.mlp.experts.0.w1.weight"));
    // Mixtral's experts are llama's; Qwen3-MoE's are qwen3moe's, never qwen3's
    EXPECT_EQ(gguf_tensor_name(llama, "model.layers.2.block_sparse_moe.experts.7.w2.weight").value_or("?"), "blk.2.ffn_down_exps.weight");
    EXPECT_EQ(gguf_tensor_name(llama, "model.layers.2.block_sparse_moe.gate.weight").value_or("?"), "blk.2.ffn_gate_inp.weight");
    EXPECT_FALSE(gguf_tensor_name(qwen3, "model.layers.0.mlp.experts.0.up_proj.weight"));
    const ModelFamily& qwen3moe = *find_family("qwen3moe");
    EXPECT_EQ(gguf_tensor_name(qwen3moe, "model.layers.0.mlp.experts.127.up_proj.weight").value_or("?"), "blk.0.ffn_up_exps.weight");
    for (const char* bad : {"model.layers.0.mlp.experts.01.up_proj.weight", "model.layers.0.mlp.experts.-1.up_proj.weight",
                            "model.layers.0.mlp.experts..up_proj.weight", "model.layers.0.mlp.experts.x.up_proj.weight",
                            "model.layers.0.mlp.experts.1.up_proj.bias"})
        EXPECT_FALSE(parse_hf_layer_tensor(qwen3moe, bad)) << bad;
    EXPECT_EQ(find_family_by_hf_class("MixtralForCausalLM"), &llama);
    EXPECT_EQ(find_family("gpt2"), nullptr);
    EXPECT_EQ(find_family_by_hf_class("GPT2LMHeadModel"), nullptr);
    EXPECT_NE(supported_architectures().find("qwen3"), std::string::npos);
    EXPECT_NE(supported_hf_classes().find("Qwen3ForCausalLM"), std::string::npos);
}

TEST(ModelFamily, OnlyLlamaPermutesQueriesAndKeys) {
    const ModelFamily& llama = *find_family("llama");
    EXPECT_EQ(qk_permute_heads(llama, LayerRole::Wq, 32, 8), 32);
    EXPECT_EQ(qk_permute_heads(llama, LayerRole::Bq, 32, 8), 32);
    EXPECT_EQ(qk_permute_heads(llama, LayerRole::Wk, 32, 8), 8);
    EXPECT_EQ(qk_permute_heads(llama, LayerRole::Bk, 32, 8), 8);
    EXPECT_EQ(qk_permute_heads(llama, LayerRole::Wv, 32, 8), 0);
    for (const char* arch : {"qwen2", "qwen3"}) {
        EXPECT_EQ(qk_permute_heads(*find_family(arch), LayerRole::Wq, 32, 8), 0) << arch;
        EXPECT_TRUE(find_family(arch)->rope_neox) << arch;
    }
    EXPECT_FALSE(llama.rope_neox);
}

}  // namespace
}  // namespace qforge
