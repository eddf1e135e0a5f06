#pragma once
// GPTQ or AWQ into a GGUF quantization plan: layer-by-layer calibration (sequential_calibration) whose hooks
// quantize each planned linear weight to the type the plan gave it (any type and mix of llama-quantize's).
// GPTQ rounds onto the type's block grid (BlockGrid) with error feedback; AWQ rescales and clips, then the
// type's own quantizer rounds, weighted by the calibration Hessian's diagonal (or --imatrix's entry for
// GPTQ's block scale search). Norm weights AWQ rescaled are written in place of the originals, so the file
// is a standard GGUF that llama.cpp runs as it is. Token embeddings are not calibrated (they are looked up,
// not multiplied) and go through the plan's usual quantizer.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "convert/quantize_gguf.h"
#include "convert/sequential_calibration.h"
#include "quant/methods/gptq.h"

namespace qforge {

// AutoGPTQ/AutoAWQ's integer grid instead of the plan's GGUF types: each linear weight is quantized to INTn
// with a scale and zero point per group of columns, and stored dequantized in the plan's float type (F32/F16),
// so the file computes exactly what such a checkpoint computes and can be measured against the GGUF types.
struct IntGridOptions {
    int bits = 4;
    int group_size = 128;  // -1: one group per row
    bool symmetric = false;
    bool act_order = false;
    int min_zero = 0;  // 1 for AutoGPTQ's v1 layout, which cannot store a zero point of 0
};

struct CalibratedGgufOptions {
    std::string method = "gptq";  // gptq | awq; rtn only with int_grid (no calibration)
    std::optional<IntGridOptions> int_grid;
    double damp = 0.01;
    int block_size = 128;
    bool awq_clip = true;
    bool include_output = true;
    bool progress = true;
    // INTn grids: each linear weight's levels, scales and zero points as it is quantized (for checkpoints);
    // expert: the matrix's expert in a stacked tensor, else -1
    std::function<void(const std::string& name, std::int64_t expert, const GptqResult& result, std::int64_t rows, std::int64_t cols)>
        on_int_layer;
};

struct CalibratedGgufSummary {
    int gptq_tensors = 0;     // written by GPTQ
    int rounded_tensors = 0;  // rounded by the type's quantizer after calibration (AWQ, or a type GPTQ cannot take)
    int replaced_tensors = 0; // float tensors AWQ rescaled
    SequentialReport sequential;
};

// Bytes an AutoGPTQ checkpoint of the plan would take on this grid: linear weights as qweight (bits per
// weight), qzeros, fp16 scales per group and row, g_idx; every other tensor in F16. For reporting sizes
// of INTn rows beside GGUF types.
struct IntCheckpointSize {
    std::uint64_t bytes = 0, elements = 0;
};
IntCheckpointSize int_checkpoint_size(const QuantizePlan& plan, const IntGridOptions& grid);

// model and samples may be null/empty for rtn on an INTn grid.
CalibratedGgufSummary calibrate_plan(QuantizePlan& plan, const LlamaModel* model,
                                     const std::vector<std::vector<std::int32_t>>& samples,
                                     const CalibratedGgufOptions& options, ThreadPool& pool);

}  // namespace qforge
