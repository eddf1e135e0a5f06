#pragma once
// Calibration for GPTQ: the model runs over calibration text (chunks of n_ctx tokens starting with BOS, as the
// perplexity pass) while every block weight's input rows are added to that weight's Hessian accumulator.
// This first version collects every layer's Hessian from the float model in one pass (all Hessians in memory);
// GPTQ's sequential variant, where each layer sees the outputs of the already-quantized layers before it and
// only one layer's statistics are held, is still to come.
#include <cstdint>
#include <map>
#include <string>

#include "core/thread_pool.h"
#include "model/llama_model.h"
#include "quant/methods/gptq.h"
#include "tokenizer/tokenizer.h"

namespace qforge {

struct CalibrationOptions {
    std::int64_t n_ctx = 512;
    std::int64_t samples = 128;  // chunks of n_ctx tokens (fewer if the text is shorter)
    bool include_output = false; // output.weight too
};

struct Calibration {
    std::map<std::string, HessianAccumulator> hessians;  // by weight name
    std::int64_t samples = 0, tokens = 0;
};

Calibration collect_hessians(const LlamaModel& model, const Tokenizer& tokenizer, const std::string& text,
                             const CalibrationOptions& options, ThreadPool& pool);

}  // namespace qforge
