#pragma once
// `qforge quantize IN.gguf OUT.gguf TYPE [--pure]`, the way llama-quantize writes it (its tensor order, its
// metadata updates, its reference quantizers, its per-tensor mix choices), so the output is byte-identical to
// llama.cpp's. A mix that needs a type qforge cannot write yet (k-quants, IQ types) is refused by name.
#include <string>

#include "convert/hf_to_gguf.h"
#include "formats/gguf/gguf_file.h"
#include "quant/plan/llama_mix.h"

namespace qforge {

struct QuantizeOptions {
    std::string type = "Q8_0";  // llama-quantize's name: a type (Q4_0) or a mix (Q4_K_M)
    bool pure = false;
    bool allow_requantize = false;
    bool leave_output_tensor = false;
    bool progress = true;
};

GgufPlan plan_quantize(const GgufFile& in, const QuantizeOptions& options);

// llama.cpp's loader order: tensors outside blocks first, then block by block, by name within each.
std::vector<const TensorView*> llama_quantize_order(const GgufFile& in);
MixModelInfo mix_model_info(const GgufFile& in);

}  // namespace qforge
