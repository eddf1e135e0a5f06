#pragma once
// What a model family is, said once: the names it has in Hugging Face's and llama.cpp's worlds, the tensors of
// one layer with their shapes, and the switches that the converter (hf_to_gguf), the engine (llama_hparams,
// llama_weights, layer_forward), calibration and the quantizer read. Adding a family is adding one of these
// (model/families/*.cpp) and registering it in model_family.cpp.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace qforge {

// The tensors a layer may hold, by what they do, in the order the forward pass reads them.
enum class LayerRole : std::uint8_t {
    AttnNorm,
    Wq,
    Wk,
    Wv,
    Bq,
    Bk,
    Bv,
    QNorm,  // per-head RMSNorm of the queries (before RoPE), head_dim values
    KNorm,
    Wo,
    AttnPostNorm,  // Gemma 2: norm of the attention block's output before the residual add
    FfnNorm,
    Gate,
    Up,
    Down,
    FfnPostNorm,  // Gemma 2: norm of the feed-forward block's output before the residual add
    // mixture of experts: the router (one logit per expert) and the experts' matrices stacked along ne[2]
    GateInp,
    GateExps,
    UpExps,
    DownExps,
    // fused linears, stored as one tensor whose rows are the parts' rows one after the other (Phi-3): q, k, v
    // (ne[1] = QOut + 2 KvOut) and gate, up (ne[1] = 2 n_ff)
    Wqkv,
    GateUp,
};
inline constexpr std::size_t kLayerRoles = static_cast<std::size_t>(LayerRole::GateUp) + 1;

// The sizes a layer tensor's dimensions are given in.
enum class Dim : std::uint8_t {
    None,     // (a vector has no second dimension)
    Embd,     // n_embd
    QOut,     // n_head x head_dim
    KvOut,    // n_head_kv x head_dim
    HeadDim,  // head_dim
    Ff,       // n_ff
    Expert,   // n_expert
    FfExp,    // an expert's n_ff (expert_feed_forward_length where the family has one, else n_ff)
    QkvOut,   // QOut + 2 KvOut: q, k and v fused
    FfPair,   // 2 n_ff: gate and up fused
};

// The sizes a family's Dims stand for in one model.
struct LayerDims {
    std::int64_t n_embd = 0, n_head = 0, n_head_kv = 0, head_dim = 0, n_ff = 0;
    std::int64_t n_expert = 0, n_ff_exp = 0;
};
// Dim::None is 1.
std::int64_t dim_size(Dim d, const LayerDims& dims);

// Which activations a linear reads: linears of one group share their input, and calibration (AWQ's scales,
// GPTQ's Hessians) treats them together.
enum class InputGroup : std::uint8_t { None, AttnIn, AttnOut, FfnIn, FfnMid };

// Which models of a family hold a tensor: all, those with a dense feed-forward block, or those with experts
// (expert_count > 0).
enum class FfnKind : std::uint8_t { Any, Dense, Experts };

struct LayerTensorSpec {
    LayerRole role;
    std::string_view gguf;  // after "blk.N.": "attn_q.weight"
    // after "model.layers.N.": "self_attn.q_proj.weight"; an expert's matrix, one Hugging Face tensor per expert
    // that the converter stacks, has "{}" where the expert's index goes: "mlp.experts.{}.up_proj.weight"
    std::string_view hf;
    Dim ne0, ne1 = Dim::None;
    bool optional = false;
    InputGroup input = InputGroup::None;  // linears only
    Dim ne2 = Dim::None;                  // Expert for the stacked experts' matrices
    FfnKind ffn = FfnKind::Any;

    bool per_expert() const { return ne2 != Dim::None; }
    // Whether a model with n_expert experts (0: dense) holds this tensor.
    bool applies(std::int64_t n_expert) const {
        return ffn == FfnKind::Any || (ffn == FfnKind::Experts) == (n_expert > 0);
    }
};

// A Hugging Face class a family covers, with the model_type its config.json carries.
struct HfClass {
    std::string_view name;        // "MixtralForCausalLM"
    std::string_view model_type;  // "mixtral"
    bool experts = false;         // its layers route to experts
};

struct ModelFamily {
    std::string_view gguf_arch;             // general.architecture: "llama"
    std::span<const HfClass> hf_classes;    // config.json's architectures[0]: "LlamaForCausalLM"
    // every tensor a layer may hold; the experts' matrices in the order the converter writes them
    std::span<const LayerTensorSpec> layer;
    // llama.cpp stores the Q/K rows of Hugging Face checkpoints permuted for its adjacent-pair RoPE.
    bool permute_qk = false;
    // RoPE rotates pairs (i, i + n_rot/2) rather than adjacent ones (GGUF keeps Hugging Face's row order).
    bool rope_neox = false;
    // Which of llama.cpp's converter classes writes the family's keys (hf_hparams.h):
    //   Generic: Model.set_gguf_parameters' keys (Qwen2Model and those based on it);
    //   Llama: those and LlamaModel's {arch}.vocab_size, rope.dimension_count, linear rope scaling, llama3's
    //     rope_freqs tensor (and qforge's sliding window: hf_hparams.cpp);
    //   QwenMoe: those and Qwen2MoeModel's expert_count (config.json's num_experts) and
    //     expert_feed_forward_length (moe_intermediate_size) after general.file_type;
    //   Phi3: Phi3MiniModel's own set in its own order (context and original context length first,
    //     attention.sliding_window after general.file_type), LongRoPE's rope_factors_long/short tensors and
    //     rope.scaling.attn_factor;
    //   Gemma2: Gemma2Model's own set (key and value length, the two soft-capping values and the window after
    //     general.file_type), lm_head dropped, tokenizer.ggml.add_space_prefix false;
    //   Gemma3: Gemma3Model's (llama.cpp of mid-2025: rope.freq_base, the window, head_count_kv and linear rope
    //     scaling after general.file_type), token_embd cut to the vocabulary, add_space_prefix false.
    enum class Converter : std::uint8_t { Generic, Llama, QwenMoe, Phi3, Gemma2, Gemma3 };
    Converter converter = Converter::Generic;
    // Gemma: RMSNorm multiplies by (1 + w); llama.cpp's converter stores 1 + w, so the engine reads a plain norm.
    bool norms_plus_one = false;
    // Gemma: the token embeddings are scaled by sqrt(n_embd) on the way in.
    bool scale_embeddings = false;
    // The feed-forward block's activation: silu(gate) * up (SwiGLU), or gelu(gate) * up with GELU's tanh form
    // (GeGLU, Gemma).
    enum class Activation : std::uint8_t { Silu, GeluTanh };
    Activation activation = Activation::Silu;
    // llama.cpp's graph scales the queries before their dot products with the keys (Phi-3, Gemma 2), so the
    // scaled query is what is rounded to f16, rather than scaling the scores after (llama, Qwen).
    bool scale_queries = false;
    // Which layers attend over a sliding window of {arch}.attention.sliding_window positions (when the file
    // sets one): none of them, all of them (Phi-3, Mistral), the even ones (Gemma 2: 0, 2, 4, ...), or five of
    // every six (Gemma 3: all but 5, 11, 17, ...).
    enum class SlidingLayers : std::uint8_t { None, All, Even, FiveOfSix };
    SlidingLayers sliding_layers = SlidingLayers::None;
    // Gemma 3: the sliding layers' RoPE base (llama.cpp fixes it at 10000; no key holds it) and no rope scaling
    // there; the others use {arch}.rope.freq_base and the file's scaling. 0: one RoPE for every layer.
    float sliding_rope_base = 0.0f;

    const LayerTensorSpec* find(LayerRole role) const;
};

// The registered families.
std::span<const ModelFamily* const> model_families();
const ModelFamily* find_family(std::string_view gguf_arch);
const ModelFamily* find_family_by_hf_class(std::string_view hf_class);
// The model_type config.json carries for a class of the family.
std::string_view hf_model_type(const ModelFamily& family, std::string_view hf_class);
// "llama, qwen2, qwen3" and "LlamaForCausalLM, ...", for error messages.
std::string supported_architectures();
std::string supported_hf_classes();

// True for Hugging Face tensors that converters drop (rotary_emb.inv_freq, recomputed at load time; GPT-style
// attention masks).
bool is_ignored_hf_tensor(std::string_view hf_name);

// The heads a tensor's rows are permuted over between Hugging Face's layout and llama.cpp's (0: not permuted):
// Q's weight and bias over n_head, K's over n_head_kv, in families with permute_qk.
std::int64_t qk_permute_heads(const ModelFamily& family, LayerRole role, std::int64_t n_head, std::int64_t n_head_kv);

// "blk.3.attn_q.weight" of "model.layers.3.self_attn.q_proj.weight" (and the global tensors: token_embd,
// output_norm, output; one expert's matrix gives the stacked tensor's name); nullopt when the family has no such
// tensor.
std::optional<std::string> gguf_tensor_name(const ModelFamily& family, const std::string& hf_name);
// The inverse (an expert's matrix: expert 0's tensor, of which the converter stacks all).
std::optional<std::string> hf_tensor_name(const ModelFamily& family, const std::string& gguf_name);
// The Hugging Face name of expert e's part of a stacked expert tensor in layer l.
std::string hf_expert_tensor_name(const LayerTensorSpec& spec, std::int64_t layer, std::int64_t expert);
// A Hugging Face layer tensor: its spec, layer and, for one expert's matrix, the expert (else -1).
struct HfLayerTensor {
    std::int64_t layer;
    const LayerTensorSpec* spec;
    std::int64_t expert = -1;
};
std::optional<HfLayerTensor> parse_hf_layer_tensor(const ModelFamily& family, std::string_view hf_name);
// The role of a layer tensor's GGUF name ("blk.3.attn_q.weight" -> Wq), and its layer index.
struct LayerTensorName {
    std::int64_t layer;
    const LayerTensorSpec* spec;
};
std::optional<LayerTensorName> parse_layer_tensor(const ModelFamily& family, std::string_view gguf_name);

}  // namespace qforge
