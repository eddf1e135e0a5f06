#include "convert/quantize_gguf.h"

#include <algorithm>
#include <cstdio>
#include <regex>

#include "core/error.h"
#include "quant/codecs/codec_table.h"
#include "quant/plan/quantizable.h"

namespace qforge {
namespace {

int layer_of(const std::string& name) {
    int layer = -1;
    if (std::sscanf(name.c_str(), "blk.%d.", &layer) != 1) return -1;
    return layer;
}

bool llama_order_less(const std::string& a, const std::string& b) {
    const int la = layer_of(a), lb = layer_of(b);
    return la != lb ? la < lb : a < b;
}

MixModelInfo model_info(const GgufMetadata& m, const std::vector<PlannedTensor>& tensors) {
    MixModelInfo info;
    info.arch = m.get_string("general.architecture").value_or("llama");
    const std::string a = info.arch + ".";
    info.n_layer = m.get_int(a + "block_count").value_or(0);
    info.n_head = m.get_int(a + "attention.head_count").value_or(1);
    info.n_head_kv = m.get_int(a + "attention.head_count_kv").value_or(info.n_head);
    info.n_expert = m.get_int(a + "expert_count").value_or(0);
    info.has_output = false;
    for (const auto& t : tensors) {
        const std::string& n = t.out.name;
        if (n == "output.weight") info.has_output = true;
        if (n.find("attn_v.weight") != std::string::npos || n.find("attn_qkv.weight") != std::string::npos ||
            n.find("attn_kv_b.weight") != std::string::npos)
            ++info.n_attention_wv;
    }
    return info;
}

// Types whose llama.cpp quantizer refuses to run without importance data.
bool needs_imatrix(TensorType t, const LlamaMix& mix, const std::string& name) {
    switch (t) {
        case TensorType::IQ2_XXS: case TensorType::IQ2_XS: case TensorType::IQ2_S: case TensorType::IQ1_S:
            return true;
        case TensorType::IQ1_M: return name != "token_embd.weight" && name != "output.weight";
        case TensorType::Q2_K: return mix.name == "Q2_K_S" && name != "token_embd.weight";
        default: return false;
    }
}

std::string truncated(const std::string& s) { return s.size() > 127 ? s.substr(0, 127) : s; }

void record_imatrix(GgufMetadata& meta, const QuantizeOptions& o) {
    const Imatrix& im = *o.imatrix;
    meta.set("quantize.imatrix.file", GgufValue::make(truncated(o.imatrix_path)));
    if (!im.datasets.empty() && !im.datasets.front().empty())
        meta.set("quantize.imatrix.dataset", GgufValue::make(truncated(im.datasets.front())));
    meta.set("quantize.imatrix.entries_count", GgufValue::make(static_cast<std::int32_t>(im.entries.size())));
    if (im.chunk_count > 0)
        meta.set("quantize.imatrix.chunks_count", GgufValue::make(static_cast<std::int32_t>(im.chunk_count)));
}

}  // namespace

std::shared_ptr<const Imatrix> select_imatrix_entries(std::shared_ptr<const Imatrix> imatrix, const std::vector<std::string>& include,
                                                      const std::vector<std::string>& exclude) {
    if (!include.empty() && !exclude.empty())
        fail("quantize: --include-weights and --exclude-weights cannot be used together (as in llama-quantize)");
    if (!imatrix || (include.empty() && exclude.empty())) return imatrix;
    auto contains_any = [](const std::string& name, const std::vector<std::string>& parts) {
        for (const auto& p : parts)
            if (name.find(p) != std::string::npos) return true;
        return false;
    };
    auto kept = std::make_shared<Imatrix>(*imatrix);
    std::erase_if(kept->entries, [&](const ImatrixEntry& e) {
        return include.empty() ? contains_any(e.name, exclude) : !contains_any(e.name, include);
    });
    if (kept->entries.empty()) return nullptr;
    return kept;
}

std::vector<const TensorView*> llama_quantize_order(const GgufFile& in) {
    std::vector<const TensorView*> order;
    for (const auto& t : in.tensors()) order.push_back(&t);
    std::stable_sort(order.begin(), order.end(),
                     [](const TensorView* a, const TensorView* b) { return llama_order_less(a->name, b->name); });
    return order;
}

MixModelInfo mix_model_info(const GgufFile& in) {
    std::vector<PlannedTensor> tensors;
    for (const auto& t : in.tensors()) tensors.push_back(planned_copy(t));
    return model_info(in.metadata(), tensors);
}

QuantizePlan plan_quantize(const GgufFile& in, const QuantizeOptions& o) {
    GgufPlan base;
    base.metadata = in.metadata();
    // (a GGUF's tensors come shard by shard, each in offset order: the order --keep-split keeps)
    for (const auto& t : in.tensors()) base.tensors.push_back(planned_copy(t));
    QuantizePlan q = plan_quantize(std::move(base), in.path(), o);
    if (o.keep_split) {
        const TensorView* first = in.tensors().data();
        for (const auto& p : q.plan.tensors) q.input_shard.push_back(in.shard_of(static_cast<std::size_t>(p.src - first)));
    }
    return q;
}

QuantizePlan plan_quantize(GgufPlan base, const std::string& source, const QuantizeOptions& o) {
    const auto mix = find_llama_mix(o.type);
    if (!mix) fail("quantize: unknown type '{}' (llama-quantize's names: Q4_0, Q8_0, Q4_K_M, ...)", o.type);
    // llama-quantize refuses these mixes without an importance matrix before it looks at any tensor.
    const bool mix_needs_imatrix = mix->name == "Q2_K_S" || mix->name == "IQ2_XXS" || mix->name == "IQ2_XS" ||
                                   mix->name == "IQ2_S" || mix->name == "IQ1_S" || mix->name == "IQ1_M";
    if (mix_needs_imatrix && !o.imatrix && !o.plan_only)
        fail("quantize: {} needs an importance matrix (--imatrix FILE, from qforge imatrix or llama-imatrix), as "
             "llama-quantize requires: without one the result is garbage",
             mix->name);
    const bool quantized_default = traits(mix->default_type).quantized;

    QuantizePlan result;
    GgufPlan& plan = result.plan;
    for (const auto& [k, v] : base.metadata.items())
        if (!k.starts_with("split.")) plan.metadata.set(k, v);
    // llama.cpp removes and re-appends these two keys, so they end the list in this order
    plan.metadata.remove("general.quantization_version");
    plan.metadata.set("general.quantization_version", GgufValue::make<std::uint32_t>(2));
    plan.metadata.remove("general.file_type");
    plan.metadata.set("general.file_type", GgufValue::make(mix->ftype));
    for (const KvOverride& kv : o.kv_overrides) {  // gguf_set_val_*: removed, then appended
        plan.metadata.remove(kv.key);
        plan.metadata.set(kv.key, kv.value);
    }
    if (o.imatrix) record_imatrix(plan.metadata, o);
    for (const auto& [k, v] : o.planned_metadata.items()) plan.metadata.set(k, v);

    std::vector<std::pair<std::regex, TensorType>> overrides;
    std::vector<bool> override_used(o.tensor_types.size(), false);
    for (const auto& ov : o.tensor_types) {
        try {
            overrides.emplace_back(std::regex(ov.pattern), ov.type);
        } catch (const std::regex_error& e) {
            fail("quantize: --tensor-type '{}': not a valid regular expression ({})", ov.pattern, e.what());
        }
    }

    MixModelInfo info = model_info(base.metadata, base.tensors);
    info.has_imatrix = o.imatrix != nullptr || o.plan_only;  // sizes as made with an imatrix, the recommended way
    MixPlanner planner(*mix, info, {o.output_tensor_type, o.token_embedding_type});
    if (!o.keep_split)  // llama-quantize's order, except that --keep-split writes the input's
        std::stable_sort(base.tensors.begin(), base.tensors.end(),
                         [](const PlannedTensor& a, const PlannedTensor& b) { return llama_order_less(a.out.name, b.out.name); });
    for (PlannedTensor& p : base.tensors) {
        const std::string& name = p.out.name;
        const TensorType input_type = p.out.type;
        if (p.src == nullptr || !is_quantizable_tensor(name, p.out.ne.size(), !o.leave_output_tensor)) {
            plan.tensors.push_back(std::move(p));
            continue;
        }
        TensorType target = mix->default_type;
        if (!o.pure && quantized_default) {
            const int before = planner.fallbacks();
            target = planner.choose(name, p.out.ne[0]);
            if (planner.fallbacks() != before)
                result.warnings.push_back(fmt::format("tensor '{}': rows of {} are not a multiple of the mix's block size, "
                                                      "using fallback type {}", name, p.out.ne[0], type_name(target)));
        }
        if (const auto it = o.planned_types.find(name); it != o.planned_types.end()) target = it->second;
        if (name == "token_embd.weight" && o.token_embedding_type) target = *o.token_embedding_type;
        if (name == "output.weight" && o.output_tensor_type) target = *o.output_tensor_type;
        for (std::size_t i = 0; i < overrides.size(); ++i) {
            if (std::regex_search(name, overrides[i].first)) {
                target = overrides[i].second;
                override_used[i] = true;
                break;
            }
        }
        if (target != input_type) {
            if (!can_quantize(target) && !o.plan_only)
                fail("quantize: tensor '{}' would be {}, which qforge cannot write yet", name, type_name(target));
            if (traits(input_type).quantized && !o.allow_requantize)
                fail("{}: tensor '{}' is already {}: requantizing is disabled (pass --allow-requantize)", source, name,
                     type_name(input_type));
            if (p.out.ne[0] % traits(target).block_size != 0)
                fail("{}: tensor '{}' has rows of {}, not a multiple of {}'s block size {}", source, name, p.out.ne[0],
                     type_name(target), traits(target).block_size);
            const std::int64_t n_mat = p.out.ne.size() >= 3 ? p.out.ne[2] : 1;
            if (const ImatrixEntry* e = o.imatrix ? o.imatrix->find(name) : nullptr) {
                if (e->sums.size() == static_cast<std::size_t>(p.out.ne[0] * n_mat)) {
                    p.importance = std::make_shared<const std::vector<float>>(e->means());
                } else if (name != "token_embd.weight") {
                    fail("{}: imatrix entry '{}' has {} values, the tensor needs {} ({} columns x {} matrices)",
                         o.imatrix_path, name, e->sums.size(), p.out.ne[0] * n_mat, p.out.ne[0], n_mat);
                }
            } else if (o.imatrix) {
                result.warnings.push_back(fmt::format("tensor '{}': no importance data in {}", name, o.imatrix_path));
            }
            if (!p.importance && needs_imatrix(target, *mix, name) && !o.plan_only)
                fail("quantize: tensor '{}' in {} needs importance data (--imatrix) that covers it", name, type_name(target));
            p.out.type = target;
        }
        plan.tensors.push_back(std::move(p));
    }
    for (std::size_t i = 0; i < o.tensor_types.size(); ++i)
        if (!override_used[i])
            fail("quantize: --tensor-type '{}={}' matches no quantizable tensor of {}", o.tensor_types[i].pattern,
                 type_name(o.tensor_types[i].type), source);
    result.fallbacks = planner.fallbacks();
    return result;
}

}  // namespace qforge
