#include "convert/gptq_apply.h"

#include "core/error.h"
#include "quant/codecs/codec_table.h"
#include "quant/methods/block_grid.h"

namespace qforge {

int apply_gptq(QuantizePlan& q, const std::map<std::string, HessianAccumulator>& hessians, const GptqApplyOptions& o,
               const std::function<void(const std::string&)>& progress) {
    int done = 0;
    for (PlannedTensor& p : q.plan.tensors) {
        if (p.src == nullptr || p.out.ne.size() != 2 || p.src->type == p.out.type || !BlockGrid::supports(p.out.type)) continue;
        const auto h = hessians.find(p.out.name);
        if (h == hessians.end()) continue;
        const std::int64_t cols = p.out.ne[0], rows = p.out.ne[1];
        if (h->second.columns() != cols) fail("gptq: tensor '{}' has {} columns, its Hessian {}", p.out.name, cols, h->second.columns());
        if (p.permute_heads != 0) fail("gptq: tensor '{}' needs a row permutation; quantize from a GGUF file", p.out.name);
        if (progress) progress(p.out.name);
        std::vector<float> w(static_cast<std::size_t>(rows * cols));
        const std::size_t row_bytes = p.src->data.size() / static_cast<std::size_t>(rows);
        for (std::int64_t r = 0; r < rows; ++r)
            dequantize_row(p.src->type, p.src->data.data() + static_cast<std::size_t>(r) * row_bytes, w.data() + r * cols, cols);
        GptqOptions g;
        g.gguf_type = p.out.type;
        g.importance = p.importance ? p.importance->data() : nullptr;
        g.damp = o.damp;
        g.block_size = o.block_size;
        const GptqResult res = gptq_quantize(w.data(), rows, cols, h->second.matrix(), g);
        p.generated = std::move(res.blocks);
        p.src = nullptr;
        p.importance.reset();
        ++done;
    }
    return done;
}

}  // namespace qforge
