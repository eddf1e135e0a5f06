#include "convert/quantize_gguf.h"

#include <algorithm>
#include <cstdio>

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

}  // namespace

std::vector<const TensorView*> llama_quantize_order(const GgufFile& in) {
    std::vector<const TensorView*> order;
    for (const auto& t : in.tensors()) order.push_back(&t);
    std::stable_sort(order.begin(), order.end(), [](const TensorView* a, const TensorView* b) {
        const int la = layer_of(a->name), lb = layer_of(b->name);
        return la != lb ? la < lb : a->name < b->name;
    });
    return order;
}

MixModelInfo mix_model_info(const GgufFile& in) {
    const auto& m = in.metadata();
    MixModelInfo info;
    info.arch = m.get_string("general.architecture").value_or("llama");
    const std::string a = info.arch + ".";
    info.n_layer = m.get_int(a + "block_count").value_or(0);
    info.n_head = m.get_int(a + "attention.head_count").value_or(1);
    info.n_head_kv = m.get_int(a + "attention.head_count_kv").value_or(info.n_head);
    info.n_expert = m.get_int(a + "expert_count").value_or(0);
    info.has_output = in.find("output.weight") != nullptr;
    for (const auto& t : in.tensors())
        if (t.name.find("attn_v.weight") != std::string::npos || t.name.find("attn_qkv.weight") != std::string::npos ||
            t.name.find("attn_kv_b.weight") != std::string::npos)
            ++info.n_attention_wv;
    return info;
}

GgufPlan plan_quantize(const GgufFile& in, const QuantizeOptions& o) {
    const auto mix = find_llama_mix(o.type);
    if (!mix) fail("quantize: unknown type '{}' (llama-quantize's names: Q4_0, Q8_0, Q4_K_M, ...)", o.type);
    const bool quantized_default = traits(mix->default_type).quantized;
    if (o.pure && !has_codec(mix->default_type))
        fail("quantize: {} is not implemented yet (qforge writes F32 F16 BF16 Q4_0 Q4_1 Q5_0 Q5_1 Q8_0)",
             type_name(mix->default_type));
    GgufPlan plan;
    for (const auto& [k, v] : in.metadata().items())
        if (!k.starts_with("split.")) plan.metadata.set(k, v);
    // llama.cpp removes and re-appends these two keys, so they end the list in this order
    plan.metadata.remove("general.quantization_version");
    plan.metadata.set("general.quantization_version", GgufValue::make<std::uint32_t>(2));
    plan.metadata.remove("general.file_type");
    plan.metadata.set("general.file_type", GgufValue::make(mix->ftype));

    MixPlanner planner(*mix, mix_model_info(in));
    for (const TensorView* t : llama_quantize_order(in)) {
        PlannedTensor p;
        p.src = t;
        p.out = {t->name, t->type, t->ne};
        if (is_quantizable_tensor(t->name, t->ne.size(), !o.leave_output_tensor)) {
            TensorType target = mix->default_type;
            if (!o.pure && quantized_default) target = planner.choose(t->name, t->ne[0]);
            if (target != t->type) {
                if (!has_codec(target))
                    fail("quantize: {} puts tensor '{}' in {}, which qforge cannot write yet", mix->name, t->name,
                         type_name(target));
                if (traits(t->type).quantized && !o.allow_requantize)
                    fail("{}: tensor '{}' is already {}: requantizing is disabled (pass --allow-requantize)",
                         in.path(), t->name, type_name(t->type));
                if (t->ne[0] % traits(target).block_size != 0)
                    fail("{}: tensor '{}' has rows of {}, not a multiple of {}'s block size {}", in.path(), t->name,
                         t->ne[0], type_name(target), traits(target).block_size);
                p.out.type = target;
            }
        }
        plan.tensors.push_back(std::move(p));
    }
    return plan;
}

}  // namespace qforge
