#include "convert/quantize_gguf.h"

#include <algorithm>
#include <cstdio>

#include "core/error.h"
#include "quant/codecs/codec_table.h"
#include "quant/plan/quantizable.h"

namespace qforge {
namespace {

// llama.cpp's loader orders tensors by layer ("blk.N." prefix; others first), then by name.
int layer_of(const std::string& name) {
    int layer = -1;
    if (std::sscanf(name.c_str(), "blk.%d.", &layer) != 1) return -1;
    return layer;
}

}  // namespace

GgufPlan plan_quantize(const GgufFile& in, const QuantizeOptions& o) {
    const auto ftype = llama_ftype_for(o.type);
    if (!ftype || !has_codec(o.type))
        fail("quantize: type {} is not supported yet (supported: f32, f16, bf16, q4_0, q4_1, q5_0, q5_1, q8_0)",
             type_name(o.type));
    if (!o.pure && traits(o.type).quantized)
        fail("quantize: llama.cpp's per-tensor rules for {} are not implemented yet; pass --pure to put every "
             "tensor in {}", type_name(o.type), type_name(o.type));
    GgufPlan plan;
    for (const auto& [k, v] : in.metadata().items())
        if (!k.starts_with("split.")) plan.metadata.set(k, v);
    // llama.cpp removes and re-appends these two keys, so they end the list in this order
    plan.metadata.remove("general.quantization_version");
    plan.metadata.set("general.quantization_version", GgufValue::make<std::uint32_t>(2));
    plan.metadata.remove("general.file_type");
    plan.metadata.set("general.file_type", GgufValue::make(*ftype));

    std::vector<const TensorView*> order;
    for (const auto& t : in.tensors()) order.push_back(&t);
    std::stable_sort(order.begin(), order.end(), [](const TensorView* a, const TensorView* b) {
        const int la = layer_of(a->name), lb = layer_of(b->name);
        return la != lb ? la < lb : a->name < b->name;
    });
    for (const TensorView* t : order) {
        PlannedTensor p;
        p.src = t;
        p.out = {t->name, t->type, t->ne};
        if (is_quantizable_tensor(t->name, t->ne.size(), !o.leave_output_tensor) && t->type != o.type) {
            if (traits(t->type).quantized && !o.allow_requantize)
                fail("{}: tensor '{}' is already {}: requantizing is disabled (pass --allow-requantize)", in.path(),
                     t->name, type_name(t->type));
            if (t->ne[0] % traits(o.type).block_size != 0)
                fail("{}: tensor '{}' has rows of {}, not a multiple of {}'s block size {}", in.path(), t->name,
                     t->ne[0], type_name(o.type), traits(o.type).block_size);
            p.out.type = o.type;
        }
        plan.tensors.push_back(std::move(p));
    }
    return plan;
}

}  // namespace qforge
