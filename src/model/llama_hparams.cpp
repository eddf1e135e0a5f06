#include "model/llama_hparams.h"

#include "core/error.h"
#include "model/moe_forward.h"

namespace qforge {
namespace {

std::int64_t required(const GgufMetadata& m, const std::string& key, const std::string& where) {
    const auto v = m.get_int(key);
    if (!v) fail("{}: metadata key '{}' is missing", where, key);
    if (*v <= 0 || *v > (std::int64_t{1} << 31)) fail("{}: metadata key '{}' is {} (expected a positive count)", where, key, *v);
    return *v;
}

}  // namespace

LlamaHparams read_llama_hparams(const GgufMetadata& m, std::int64_t n_vocab, const std::string& where) {
    LlamaHparams hp;
    const auto arch = m.get_string("general.architecture");
    if (!arch) fail("{}: metadata key 'general.architecture' is missing", where);
    hp.family = find_family(*arch);
    if (hp.family == nullptr)
        fail("{}: architecture '{}' is not supported by the engine (supported: {})", where, *arch, supported_architectures());
    hp.arch = *arch;
    const std::string a = *arch + ".";
    hp.n_vocab = n_vocab;
    hp.n_embd = required(m, a + "embedding_length", where);
    hp.n_layer = required(m, a + "block_count", where);
    hp.n_head = required(m, a + "attention.head_count", where);
    hp.n_head_kv = m.get_int(a + "attention.head_count_kv").value_or(hp.n_head);
    hp.n_ff = required(m, a + "feed_forward_length", where);
    hp.n_ctx_train = m.get_int(a + "context_length").value_or(2048);
    hp.head_dim = m.get_int(a + "attention.key_length").value_or(hp.n_embd / hp.n_head);
    hp.n_rot = m.get_int(a + "rope.dimension_count").value_or(hp.head_dim);
    if (hp.n_head_kv <= 0 || hp.n_head % hp.n_head_kv != 0)
        fail("{}: head_count {} is not a multiple of head_count_kv {}", where, hp.n_head, hp.n_head_kv);
    if (hp.n_rot <= 0 || hp.n_rot > hp.head_dim || hp.n_rot % 2 != 0)
        fail("{}: rope.dimension_count {} does not fit head size {}", where, hp.n_rot, hp.head_dim);
    hp.rms_eps = static_cast<float>(m.get_float(a + "attention.layer_norm_rms_epsilon").value_or(1e-5));
    hp.rope_base = static_cast<float>(m.get_float(a + "rope.freq_base").value_or(10000.0));
    if (m.get_string(a + "rope.scaling.type").value_or("none") == "linear") {
        const double factor = m.get_float(a + "rope.scaling.factor").value_or(1.0);
        if (factor <= 0.0) fail("{}: rope.scaling.factor must be positive", where);
        hp.rope_freq_scale = static_cast<float>(1.0 / factor);
    }
    hp.rope_neox = hp.family->rope_neox;
    hp.n_expert = m.get_int(a + "expert_count").value_or(0);
    if (hp.n_expert < 0 || hp.n_expert > kMaxExperts)
        fail("{}: metadata key '{}expert_count' is {} (expected 0 to {})", where, a, hp.n_expert, kMaxExperts);
    if (hp.n_expert > 0) {
        hp.n_expert_used = required(m, a + "expert_used_count", where);
        if (hp.n_expert_used > hp.n_expert)
            fail("{}: expert_used_count {} exceeds expert_count {}", where, hp.n_expert_used, hp.n_expert);
        hp.n_ff_exp = m.get_int(a + "expert_feed_forward_length").has_value() ? required(m, a + "expert_feed_forward_length", where) : hp.n_ff;
    } else {
        if (hp.family->find(LayerRole::Gate) == nullptr) fail("{}: metadata key '{}expert_count' is missing (architecture '{}' routes to experts)", where, a, *arch);
    }
    return hp;
}

}  // namespace qforge
