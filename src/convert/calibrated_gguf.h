#pragma once
// GPTQ or AWQ into a GGUF quantization plan: layer-by-layer calibration (sequential_calibration) whose hooks
// quantize each planned linear weight to the type the plan gave it (any type and mix of llama-quantize's).
// GPTQ rounds onto the type's block grid (BlockGrid) with error feedback; AWQ rescales and clips, then the
// type's own quantizer rounds, weighted by the calibration Hessian's diagonal (or --imatrix's entry for
// GPTQ's block scale search). Norm weights AWQ rescaled are written in place of the originals, so the file
// is a standard GGUF that llama.cpp runs as it is. Token embeddings are not calibrated (they are looked up,
// not multiplied) and go through the plan's usual quantizer.
#include <cstdint>
#include <string>
#include <vector>

#include "convert/quantize_gguf.h"
#include "convert/sequential_calibration.h"

namespace qforge {

struct CalibratedGgufOptions {
    std::string method = "gptq";  // gptq | awq
    double damp = 0.01;
    int block_size = 128;
    bool awq_clip = true;
    bool include_output = true;
    bool progress = true;
};

struct CalibratedGgufSummary {
    int gptq_tensors = 0;     // written by GPTQ
    int rounded_tensors = 0;  // rounded by the type's quantizer after calibration (AWQ, or a type GPTQ cannot take)
    int replaced_tensors = 0; // float tensors AWQ rescaled
    SequentialReport sequential;
};

CalibratedGgufSummary calibrate_plan(QuantizePlan& plan, const LlamaModel& model,
                                     const std::vector<std::vector<std::int32_t>>& samples,
                                     const CalibratedGgufOptions& options, ThreadPool& pool);

}  // namespace qforge
