#pragma once
// Replaces the planned tensors whose type has a fixed-scale block grid (BlockGrid: the legacy types, IQ4_NL and
// the k-quants) by GPTQ's solution for them, computed from their calibration Hessians (with the plan's imatrix
// entry, when there is one, weighing the block scale search); the rest of the plan (other types, tensors
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
