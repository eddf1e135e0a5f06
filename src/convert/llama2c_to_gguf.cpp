#include "convert/llama2c_to_gguf.h"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <regex>
#include <string_view>
#include <utility>

#include "core/error.h"
#include "tokenizer/gguf_vocab.h"
#include "tokenizer/llama2c_vocab_import.h"

namespace qforge {
namespace fs = std::filesystem;
namespace {

// GGUF names of the tensors in Meta's original naming, which llama2.c checkpoints use:
// "layers.0.attention.wq.weight" -> "blk.0.attn_q.weight".
std::optional<std::string> meta_llama_gguf_name(const std::string& n) {
    static constexpr std::pair<std::string_view, std::string_view> kLayer[] = {
        {"attention_norm", "attn_norm"}, {"attention.wq", "attn_q"},    {"attention.wk", "attn_k"},
        {"attention.wv", "attn_v"},      {"attention.wo", "attn_output"}, {"ffn_norm", "ffn_norm"},
        {"feed_forward.w1", "ffn_gate"}, {"feed_forward.w3", "ffn_up"},   {"feed_forward.w2", "ffn_down"},
    };
    if (n == "tok_embeddings.weight") return "token_embd.weight";
    if (n == "norm.weight") return "output_norm.weight";
    if (n == "output.weight") return "output.weight";
    static const std::regex re(R"(^layers\.(\d+)\.(.+)\.(weight|bias)$)");
    std::smatch m;
    if (!std::regex_match(n, m, re)) return std::nullopt;
    for (const auto& [from, to] : kLayer)
        if (m[2].str() == from) return "blk." + m[1].str() + "." + std::string(to) + "." + m[3].str();
    return std::nullopt;
}

// convert-llama2c-to-ggml's order: embeddings, final norm, output, then per layer q k v o attn_norm gate down up
// ffn_norm.
int order_key(const std::string& gguf_name) {
    static const char* layer_order[] = {"attn_q", "attn_k", "attn_v", "attn_output", "attn_norm",
                                        "ffn_gate", "ffn_down", "ffn_up", "ffn_norm"};
    if (gguf_name == "token_embd.weight") return 0;
    if (gguf_name == "output_norm.weight") return 1;
    if (gguf_name == "output.weight") return 2;
    const auto dot1 = gguf_name.find('.'), dot2 = gguf_name.find('.', dot1 + 1);
    const int layer = std::stoi(gguf_name.substr(dot1 + 1, dot2 - dot1 - 1));
    const std::string kind = gguf_name.substr(dot2 + 1, gguf_name.rfind('.') - dot2 - 1);
    for (int i = 0; i < 9; ++i)
        if (kind == layer_order[i]) return 3 + layer * 9 + i;
    fail("internal error: unexpected tensor '{}'", gguf_name);
}

}  // namespace

std::string find_llama2c_vocab(const Llama2cCheckpoint& ck) {
    const fs::path dir = fs::path(ck.path()).parent_path();
    for (const std::string& name : {"tok" + std::to_string(ck.config().vocab_size) + ".bin", std::string("tokenizer.bin")}) {
        if (fs::exists(dir / name)) return (dir / name).string();
    }
    fail("{}: no tokenizer found beside it (looked for tok{}.bin and tokenizer.bin; name one with --vocab)",
         ck.path(), ck.config().vocab_size);
}

GgufPlan plan_llama2c_to_gguf(const Llama2cCheckpoint& ck, const ConvertOptions& options) {
    const auto& c = ck.config();
    GgufPlan plan;
    const TensorView* embeddings = nullptr;
    for (const auto& t : ck.tensors()) {
        auto name = meta_llama_gguf_name(t.name);
        if (!name) fail("internal error: llama2.c tensor '{}' has no GGUF name", t.name);
        if (*name == "token_embd.weight") embeddings = &t;
        PlannedTensor p;
        p.src = &t;
        p.out = {*name, output_type_for(*name, t.ne.size(), options.outtype), t.ne};
        plan.tensors.push_back(std::move(p));
    }
    if (c.shared_classifier) {  // llama.cpp writes the shared classifier out as output.weight
        PlannedTensor p;
        p.src = embeddings;
        p.out = {"output.weight", output_type_for("output.weight", 2, options.outtype), embeddings->ne};
        plan.tensors.push_back(std::move(p));
    }
    std::stable_sort(plan.tensors.begin(), plan.tensors.end(), [](const PlannedTensor& a, const PlannedTensor& b) {
        return order_key(a.out.name) < order_key(b.out.name);
    });

    const std::string vocab_path = options.vocab_path ? *options.vocab_path : find_llama2c_vocab(ck);
    const Vocab vocab = import_llama2c_vocab(vocab_path, c.vocab_size);
    auto& m = plan.metadata;
    m.set("general.architecture", GgufValue::make<std::string>("llama"));
    m.set("general.name", GgufValue::make<std::string>("llama"));
    m.set("llama.context_length", GgufValue::make<std::uint32_t>(static_cast<std::uint32_t>(c.seq_len)));
    m.set("llama.embedding_length", GgufValue::make<std::uint32_t>(static_cast<std::uint32_t>(c.dim)));
    m.set("llama.feed_forward_length", GgufValue::make<std::uint32_t>(static_cast<std::uint32_t>(c.hidden_dim)));
    m.set("llama.attention.head_count", GgufValue::make<std::uint32_t>(static_cast<std::uint32_t>(c.n_heads)));
    m.set("llama.attention.head_count_kv", GgufValue::make<std::uint32_t>(static_cast<std::uint32_t>(c.n_kv_heads)));
    m.set("llama.block_count", GgufValue::make<std::uint32_t>(static_cast<std::uint32_t>(c.n_layers)));
    m.set("llama.rope.dimension_count", GgufValue::make<std::uint32_t>(static_cast<std::uint32_t>(c.dim / c.n_heads)));
    m.set("llama.attention.layer_norm_rms_epsilon", GgufValue::make<float>(1e-5f));
    if (options.outtype != TensorType::F32) m.set("general.file_type", GgufValue::make<std::uint32_t>(file_type_for(options.outtype)));
    write_vocab_metadata(vocab, m);
    return plan;
}

}  // namespace qforge
