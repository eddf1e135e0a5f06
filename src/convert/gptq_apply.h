#pragma once
// Replaces the planned tensors whose type is a GGUF block grid GPTQ can write (Q4_0, Q5_0, Q8_0) by GPTQ's
// solution for them, computed from their calibration Hessians; the rest of the plan (other types, tensors
// without a Hessian) is left to the usual quantizers.
#include <map>
#include <string>

#include "convert/quantize_gguf.h"
#include "quant/methods/gptq.h"

namespace qforge {

struct GptqApplyOptions {
    double damp = 0.01;
    int block_size = 128;
};

// Returns how many tensors GPTQ wrote; `progress` is told each tensor's name.
int apply_gptq(QuantizePlan& plan, const std::map<std::string, HessianAccumulator>& hessians,
               const GptqApplyOptions& options, const std::function<void(const std::string&)>& progress = {});

}  // namespace qforge
