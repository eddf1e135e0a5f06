#include "convert/gguf_recast.h"

#include "core/error.h"
#include "core/float_convert.h"

namespace qforge {

GgufPlan plan_gguf_recast(const GgufFile& in, const ConvertOptions& options) {
    GgufPlan plan;
    // A sharded input's split.* keys describe its shards, not the file written from it.
    for (const auto& [k, v] : in.metadata().items())
        if (!k.starts_with("split.")) plan.metadata.set(k, v);
    for (const auto& t : in.tensors()) {
        if (!is_float_type(t.type))
            fail("{}: tensor '{}' is {}; convert only changes float types (use quantize for quantized files)",
                 in.path(), t.name, type_name(t.type));
        PlannedTensor p;
        p.src = &t;
        p.out = {t.name, output_type_for(t.name, t.ne.size(), options.outtype), t.ne};
        plan.tensors.push_back(std::move(p));
    }
    plan.metadata.set("general.file_type",
                      GgufValue::make(file_type_for(options.outtype)));
    return plan;
}

}  // namespace qforge
