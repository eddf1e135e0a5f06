#include "convert/hf_to_gguf.h"

#include <cstring>
#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "convert/fp8_linear_to_gguf.h"
#include "convert/mlx_linear_to_gguf.h"
#include "convert/model_naming.h"
#include "convert/quantized_linear_to_gguf.h"
#include "formats/hf/fp8_config.h"
#include "formats/hf/quantized_linear.h"
#include "formats/mlx_lm/mlx_config.h"
#include "core/error.h"
#include "core/float_convert.h"
#include "model/hf_hparams.h"
#include "model/llama_weights.h"
#include "model/model_family.h"
#include "quant/codecs/codec_table.h"
#include "quant/plan/quantizable.h"
#include "tokenizer/bpe_json_import.h"
#include "tokenizer/gguf_vocab.h"
#include "tokenizer/spm_import.h"

namespace qforge {
namespace fs = std::filesystem;
namespace {

const ModelFamily& family_of(const HfCheckpoint& ck, const std::string& config_path) {
    const auto& c = ck.config();
    auto it = c.find("architectures");
    if (it == c.end() || !it->is_array() || it->empty() || !(*it)[0].is_string())
        fail("{}: missing 'architectures' (expected one of {})", config_path, supported_hf_classes());
    const std::string cls = (*it)[0].get<std::string>();
    const ModelFamily* family = find_family_by_hf_class(cls);
    if (family == nullptr) fail("{}: architecture '{}' is not supported (supported: {})", config_path, cls, supported_hf_classes());
    return *family;
}

// The heads whose rows llama.cpp permutes in a GGUF tensor (0: none).
std::int64_t permuted_heads(const ModelFamily& family, const std::string& gguf_name, const HfHparams& hp) {
    const auto t = parse_layer_tensor(family, gguf_name);
    return t ? qk_permute_heads(family, t->spec->role, hp.n_head, hp.n_head_kv) : 0;
}

Vocab load_vocab(const HfCheckpoint& ck, const HfHparams& hp, const ConvertOptions& options) {
    if (!ck.file("tokenizer.model").empty()) return import_sentencepiece_vocab(ck.dir(), hp.vocab_size);
    if (!ck.file("tokenizer.json").empty()) return import_bpe_json_vocab(ck.dir(), hp.vocab_size, options.tokenizer_pre);
    fail("{}: no tokenizer.model or tokenizer.json", ck.dir());
}

}  // namespace

GgufPlan plan_hf_to_gguf(const HfCheckpoint& ck, const ConvertOptions& options) {
    const std::string config_path = (fs::path(ck.dir()) / "config.json").string();
    const ModelFamily& family = family_of(ck, config_path);
    const HfHparams hp = read_hf_hparams(ck.config(), config_path);
    const std::string arch(family.gguf_arch);

    GgufPlan plan;
    const Vocab vocab = load_vocab(ck, hp, options);
    // LongRoPE's factors, written before the checkpoint's tensors (llama.cpp's generate_extra_tensors)
    const std::optional<LongRope> long_rope = family.converter == ModelFamily::Converter::Phi3 ? phi3_long_rope(ck.config(), hp, config_path) : std::nullopt;
    if (long_rope) {
        for (auto [name, factors] : {std::pair{"rope_factors_long.weight", &long_rope->long_factors}, {"rope_factors_short.weight", &long_rope->short_factors}}) {
            PlannedTensor p;
            p.out = {name, TensorType::F32, {static_cast<std::int64_t>(factors->size())}};
            p.generated.resize(factors->size() * sizeof(float));
            std::memcpy(p.generated.data(), factors->data(), p.generated.size());
            plan.tensors.push_back(std::move(p));
        }
    }
    if (family.converter == ModelFamily::Converter::Llama) {
        if (auto factors = llama3_rope_factors(ck.config(), hp)) {
            PlannedTensor p;
            p.out = {"rope_freqs.weight", TensorType::F32, {static_cast<std::int64_t>(factors->size())}};
            p.generated.resize(factors->size() * sizeof(float));
            std::memcpy(p.generated.data(), factors->data(), p.generated.size());
            plan.tensors.push_back(std::move(p));
        }
    }
    std::uint64_t source_params = 0;  // as llama.cpp's size label counts them: each stacked expert tensor once
    // Experts' matrices, one Hugging Face tensor per expert, gathered per layer and stacked into one tensor each
    // when the layer's last one has been read (where llama.cpp's converters write them).
    // (a float tensor each, or a GPTQ/AWQ module each: its prefix and shape)
    struct ExpertPart {
        const TensorView* tensor = nullptr;
        Fp8Weight fp8;  // an FP8 weight: tensor with its scale
        std::string prefix;
        LinearShape shape{};
        bool present() const { return tensor != nullptr || !prefix.empty(); }
        std::vector<std::int64_t> ne() const { return tensor ? tensor->ne : std::vector<std::int64_t>{shape.in, shape.out}; }
    };
    std::map<std::int64_t, std::map<const LayerTensorSpec*, std::vector<ExpertPart>>> experts;
    std::map<std::int64_t, std::int64_t> experts_seen;
    std::int64_t expert_specs = 0;
    for (const LayerTensorSpec& s : family.layer) expert_specs += s.per_expert() ? 1 : 0;
    const std::optional<QuantizationConfig> quant = read_quantization_config(ck.config(), ck.dir());
    const std::optional<Fp8Config> fp8 = read_fp8_config(ck.config(), ck.dir());
    const std::optional<MlxQuantization> mlx = read_mlx_quantization(ck.config(), ck.dir());
    std::optional<TensorType> quantized_file_type;  // the one type every quantized layer mapped onto, if any
    bool mixed_quantized_types = false;
    // The GGUF type of a quantized module's grid (the output type where no GGUF type holds it).
    auto quantized_type = [&](const LinearShape& shape, const std::string& gguf_name) {
        const IntGrid grid{quant->bits, quant->group_size == -1 ? static_cast<int>(shape.in) : quant->group_size, quant->symmetric,
                           quant->desc_act};
        const auto mapped = options.dequantize_all ? std::nullopt : gguf_type_for_grid(grid, shape.in);
        const TensorType type = mapped.value_or(options.outtype);
        if (mapped) {
            mixed_quantized_types |= quantized_file_type && *quantized_file_type != *mapped;
            quantized_file_type = mapped;
        } else {
            mixed_quantized_types = true;
        }
        plan.imported.push_back({gguf_name, quant->describe(), type, mapped ? mapping_kind(type) : "dequantized"});
        return type;
    };
    auto add_expert = [&](const HfLayerTensor& e, ExpertPart part, const std::string& what) {
        if (hp.n_expert == 0)
            fail("{}: tensor '{}' is an expert's, but config.json gives no expert count (num_local_experts / num_experts)", ck.dir(), what);
        if (e.expert >= hp.n_expert) fail("{}: tensor '{}' is of expert {}, but config.json gives {} experts", ck.dir(), what, e.expert, hp.n_expert);
        if (e.layer >= hp.n_layer) fail("{}: tensor '{}' is in layer {}, but config.json gives {} layers", ck.dir(), what, e.layer, hp.n_layer);
        auto& parts = experts[e.layer][e.spec];
        parts.resize(static_cast<std::size_t>(hp.n_expert));
        if (parts[static_cast<std::size_t>(e.expert)].present()) fail("{}: tensor '{}' appears twice", ck.dir(), what);
        if (part.tensor != nullptr) {
            const TensorView& t = *part.tensor;
            if (t.ne.size() != 2) fail("{}: tensor '{}' has {} dimensions (expected a matrix)", ck.dir(), t.name, t.ne.size());
            if (!is_float_type(t.type)) fail("{}: tensor '{}' has dtype {}; expected a float tensor", ck.dir(), t.name, type_name(t.type));
        }
        parts[static_cast<std::size_t>(e.expert)] = std::move(part);
        if (++experts_seen[e.layer] < hp.n_expert * expert_specs) return;
        for (const LayerTensorSpec& s : family.layer) {
            if (!s.per_expert()) continue;
            const auto& stack = experts[e.layer][&s];
            if (stack.empty()) fail("{}: layer {} has no '{}' tensors", ck.dir(), e.layer, hf_expert_tensor_name(s, e.layer, 0));
            const ExpertPart& first = stack.front();
            for (const ExpertPart& x : stack)
                if (x.ne() != first.ne() || (x.tensor == nullptr) != (first.tensor == nullptr) || (x.tensor && x.tensor->type != first.tensor->type))
                    fail("{}: '{}' has shape {}{}, unlike '{}' ({}{})", ck.dir(), x.tensor ? x.tensor->name : x.prefix, shape_string(x.ne()),
                         x.tensor ? ", " + std::string(type_name(x.tensor->type)) : std::string(" (quantized)"),
                         first.tensor ? first.tensor->name : first.prefix, shape_string(first.ne()),
                         first.tensor ? ", " + std::string(type_name(first.tensor->type)) : std::string(" (quantized)"));
            const std::string name = "blk." + std::to_string(e.layer) + "." + std::string(s.gguf);
            const std::vector<std::int64_t> ne = first.ne();
            PlannedTensor p;
            if (first.fp8.q != nullptr) {  // FP8 experts: each dequantized with its own scale
                p.out = {name, output_type_for(name, 3, options.outtype), {ne[0], ne[1], hp.n_expert}};
                std::vector<Fp8Weight> weights;
                for (const ExpertPart& x : stack) {
                    if (x.fp8.q == nullptr) fail("{}: '{}' is not FP8 like '{}'", ck.dir(), x.tensor->name, first.tensor->name);
                    weights.push_back(x.fp8);
                }
                p.produce = [weights, type = p.out.type] {
                    std::vector<std::uint8_t> bytes;
                    for (const Fp8Weight& w : weights) {
                        const std::vector<std::uint8_t> b = fp8_weight_bytes(w, type, 0);
                        bytes.insert(bytes.end(), b.begin(), b.end());
                    }
                    return bytes;
                };
                plan.imported.push_back({name, fp8->describe(), p.out.type, "dequantized"});
            } else if (first.tensor != nullptr) {
                for (const ExpertPart& x : stack) p.stacked.push_back(x.tensor);
                p.out = {name, output_type_for(name, 3, options.outtype), {ne[0], ne[1], hp.n_expert}};
            } else {
                TensorType type = TensorType::F32;
                for (const ExpertPart& x : stack) type = quantized_type(x.shape, name);
                p.out = {name, type, {ne[0], ne[1], hp.n_expert}};
                std::vector<std::string> prefixes;
                for (const ExpertPart& x : stack) prefixes.push_back(x.prefix);
                p.produce = [&ck, config = *quant, prefixes, type, name] {
                    std::vector<std::uint8_t> bytes;
                    for (const std::string& prefix : prefixes) {
                        const std::vector<std::uint8_t> b = int_layer_to_gguf(read_quantized_linear(ck, prefix, config, ck.dir()), type,
                                                                              ck.dir() + ": " + name + " (" + prefix + ")");
                        bytes.insert(bytes.end(), b.begin(), b.end());
                    }
                    return bytes;
                };
            }
            source_params += static_cast<std::uint64_t>(ne[0] * ne[1]);
            plan.tensors.push_back(std::move(p));
        }
        experts.erase(e.layer);
    };
    for (const auto& t : ck.tensors()) {
        if (is_ignored_hf_tensor(t.name)) continue;
        if (fp8 && is_fp8_scale_tensor(t.name)) continue;  // read with its weight
        if (mlx && (t.name.ends_with(".scales") || t.name.ends_with(".biases"))) continue;  // read with their weight
        if (mlx && t.type == TensorType::U32 && t.name.ends_with(".weight")) {
            auto name = gguf_tensor_name(family, t.name);
            if (!name) fail("{}: tensor '{}' has no GGUF counterpart in architecture '{}'", ck.dir(), t.name, arch);
            if (auto e = parse_hf_layer_tensor(family, t.name); e && e->spec->per_expert())
                fail("{}: tensor '{}': MLX experts are read as mlx-lm stacks them (switch_mlp), not per expert", ck.dir(), t.name);
            const MlxWeight w = mlx_weight(ck, t, mlx->grid_of(t.name.substr(0, t.name.size() - 7)));
            PlannedTensor p;
            p.out = {*name, output_type_for(*name, 2, options.outtype), {w.cols, w.rows}};
            p.produce = [w, type = p.out.type, heads = permuted_heads(family, *name, hp)] { return mlx_weight_bytes(w, type, heads); };
            plan.imported.push_back({*name, fmt::format("MLX affine INT{} g{}", w.grid.bits, w.grid.group_size), p.out.type, "dequantized"});
            source_params += static_cast<std::uint64_t>(w.rows * w.cols);
            plan.tensors.push_back(std::move(p));
            continue;
        }
        if (fp8 && t.type == TensorType::F8_E4M3) {
            auto name = gguf_tensor_name(family, t.name);
            if (!name) fail("{}: tensor '{}' has no GGUF counterpart in architecture '{}'", ck.dir(), t.name, arch);
            const Fp8Weight w = fp8_weight(ck, t, *fp8);
            if (auto e = parse_hf_layer_tensor(family, t.name); e && e->spec->per_expert()) {
                ExpertPart part;
                part.tensor = &t;
                part.fp8 = w;
                add_expert(*e, std::move(part), t.name);
                continue;
            }
            PlannedTensor p;
            p.out = {*name, output_type_for(*name, t.ne.size(), options.outtype), t.ne};
            p.produce = [w, type = p.out.type, heads = permuted_heads(family, *name, hp)] { return fp8_weight_bytes(w, type, heads); };
            plan.imported.push_back({*name, fp8->describe(), p.out.type, "dequantized"});
            source_params += static_cast<std::uint64_t>(t.n_elements());
            plan.tensors.push_back(std::move(p));
            continue;
        }
        if (quant && is_quantized_linear_part(t.name)) {
            if (!t.name.ends_with(".qweight")) continue;  // qzeros, scales, g_idx come with their qweight
            const std::string prefix = t.name.substr(0, t.name.size() - 8);
            auto name = gguf_tensor_name(family, prefix + ".weight");
            if (!name) fail("{}: quantized layer '{}' has no GGUF counterpart in architecture '{}'", ck.dir(), prefix, arch);
            const LinearShape shape = quantized_linear_shape(ck, prefix, *quant, ck.dir());
            if (auto e = parse_hf_layer_tensor(family, prefix + ".weight"); e && e->spec->per_expert()) {
                ExpertPart part;
                part.prefix = prefix;
                part.shape = shape;
                add_expert(*e, std::move(part), prefix);
                continue;
            }
            const TensorType type = quantized_type(shape, *name);
            const std::int64_t heads = permuted_heads(family, *name, hp);
            PlannedTensor p;
            p.out = {*name, type, {shape.in, shape.out}};
            p.produce = [&ck, config = *quant, prefix, heads, type, gguf_name = *name] {
                IntLayer layer = read_quantized_linear(ck, prefix, config, ck.dir());
                if (heads > 0) layer = permute_int_layer_rows(layer, heads, false);
                return int_layer_to_gguf(layer, type, ck.dir() + ": " + gguf_name);
            };
            source_params += static_cast<std::uint64_t>(shape.in * shape.out);
            plan.tensors.push_back(std::move(p));
            continue;
        }
        if (auto e = parse_hf_layer_tensor(family, t.name); e && e->spec->per_expert()) {
            ExpertPart part;
            part.tensor = &t;
            add_expert(*e, std::move(part), t.name);
            continue;
        }
        // Gemma2Model drops lm_head (Gemma ties its embeddings; AutoAWQ writes a copy)
        if (family.converter == ModelFamily::Converter::Gemma2 && t.name == "lm_head.weight") continue;
        auto name = gguf_tensor_name(family, t.name);
        if (!name) fail("{}: tensor '{}' has no GGUF counterpart in architecture '{}'", ck.dir(), t.name, arch);
        if (!is_float_type(t.type))
            fail("{}: tensor '{}' has dtype {}; expected a float tensor{}", ck.dir(), t.name, type_name(t.type),
                 quant ? "" : " (config.json has no quantization_config and there is no quantize_config.json)");
        if (t.ne.empty() || t.ne.size() > 4)
            fail("{}: tensor '{}' has {} dimensions (expected 1 to 4)", ck.dir(), t.name, t.ne.size());
        PlannedTensor p;
        p.src = &t;
        p.out = {*name, output_type_for(*name, t.ne.size(), options.outtype), t.ne};
        p.permute_heads = permuted_heads(family, *name, hp);
        const auto n_tokens = static_cast<std::int64_t>(vocab.tokens.size());
        if (family.converter == ModelFamily::Converter::Gemma3 && *name == "token_embd.weight" && t.ne.size() == 2 && t.ne[1] > n_tokens) {
            // Gemma3Model drops the embedding rows past the vocabulary (the 4B's and larger's padding)
            plan.views.push_back(std::make_unique<TensorView>(row_slice(t, 0, n_tokens)));
            p.src = plan.views.back().get();
            p.out.ne[1] = n_tokens;
        }
        if (family.norms_plus_one && t.name.ends_with("norm.weight")) {
            // (1 + w) stored as llama.cpp's converter computes it: in f16 for an f16 tensor, else in f32
            p.src = nullptr;
            p.produce = [&t, type = p.out.type] {
                std::vector<float> v = dequantize_tensor(t);
                for (float& x : v) x = t.type == TensorType::F16 ? fp16_to_fp32(fp32_to_fp16(x + 1.0f)) : x + 1.0f;
                std::vector<std::uint8_t> bytes(*bytes_for(type, v.size()));
                convert_from_f32(type, v.data(), bytes.data(), v.size());
                return bytes;
            };
        }
        source_params += static_cast<std::uint64_t>(p.src != nullptr ? p.src->n_elements() : t.n_elements());
        plan.tensors.push_back(std::move(p));
    }
    for (const auto& [layer, specs] : experts)
        for (const auto& [spec, parts] : specs)
            for (std::size_t x = 0; x < parts.size(); ++x)
                if (!parts[x].present())
                    fail("{}: tensor '{}' is missing", ck.dir(), hf_expert_tensor_name(*spec, layer, static_cast<std::int64_t>(x)));
    for (const auto& [layer, specs] : experts)  // a spec none of whose tensors appeared
        fail("{}: layer {} lacks some of its experts' tensors", ck.dir(), layer);
    if (plan.tensors.empty()) fail("{}: no tensors to convert", ck.dir());

    auto& m = plan.metadata;
    m.set("general.architecture", GgufValue::make<std::string>(arch));
    if (long_rope) m.set(arch + ".rope.scaling.attn_factor", GgufValue::make(long_rope->attn_factor));  // (set with the factors)
    m.set("general.type", GgufValue::make<std::string>("model"));
    m.set("general.name", GgufValue::make<std::string>(model_name_from_path(ck.dir())));
    m.set("general.size_label", GgufValue::make<std::string>((hp.n_expert > 0 ? std::to_string(hp.n_expert) + "x" : "") + size_label(source_params)));
    write_hparams(ck.config(), hp, family, m);
    std::uint32_t file_type = file_type_for(options.outtype);
    if (quantized_file_type && !mixed_quantized_types) file_type = *llama_ftype_for(*quantized_file_type);
    m.set("general.file_type", GgufValue::make<std::uint32_t>(file_type));
    write_arch_hparams(ck.config(), hp, family, m);
    write_vocab_metadata(vocab, m);
    if (family.converter == ModelFamily::Converter::Gemma2 || family.converter == ModelFamily::Converter::Gemma3)
        m.set("tokenizer.ggml.add_space_prefix", GgufValue::make(false));
    m.set("general.quantization_version", GgufValue::make<std::uint32_t>(2));
    return plan;
}

}  // namespace qforge
