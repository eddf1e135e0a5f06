#pragma once
// Layer-by-layer calibrated quantization (GPTQ's and AWQ's "sequential" mode): the calibration samples' hidden
// states go through the model one layer at a time. For each layer: its weights are read into float, the
// samples run through it while every linear's inputs are summed into a Hessian (and, for AWQ, per-channel mean
// magnitudes); AWQ rescales the scaling groups and clips; each linear is quantized (by the caller's hook:
// GPTQ, or a grid's round-to-nearest); then the samples run through the quantized layer, and those outputs are
// the next layer's inputs. So every layer is calibrated on what the already-quantized layers before it
// produce, and memory holds one layer: its float weights, its Hessians and the samples' hidden states.
// In a layer with experts, the samples' inputs to the expert block are kept, every token is routed as the
// forward pass routes it, and the experts are taken one at a time: each one's Hessians come from the tokens
// routed to it (its up/gate inputs, and its down inputs computed with its float gate and up), so one expert's
// Hessians are held at a time. AWQ scales the experts' gate and up as one group on every token's statistics
// (folded into the norm and the router's columns) and clips each expert on its own tokens.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "model/llama_model.h"
#include "quant/methods/awq.h"

namespace qforge {

struct SequentialHooks {
    // The grid a weight will be quantized to, as a fake quantizer for AWQ's searches; empty: kept in float.
    std::function<FakeQuantizer(const std::string& name)> grid;
    // Columns of the weight's clipping groups (its quantization groups or blocks).
    std::function<std::int64_t(const std::string& name)> clip_columns;
    // Quantizes one weight (rows x cols, after AWQ's scaling and clipping) given its inputs' Hessian, and
    // returns the values the quantized weight computes with (empty: the weight stays as it is). hessian_id is
    // the same for the weights of a layer that read the same inputs (q, k, v; gate, up) and differs otherwise,
    // so a hook can factor each Hessian once. For an expert's matrix of a stacked tensor, expert is its index
    // (else -1); an expert no calibration token was routed to comes with an empty Hessian (round to nearest).
    std::function<std::vector<float>(const std::string& name, std::int64_t expert, const std::vector<float>& w, std::int64_t rows,
                                     std::int64_t cols, const std::vector<double>& hessian, std::uint64_t hessian_id)>
        quantize;
    // A float tensor AWQ changed (a norm weight, or the rows and bias of the linear before a scaled one).
    std::function<void(const std::string& name, const std::vector<float>& values)> replace;
};

struct SequentialOptions {
    bool awq = false;
    bool awq_clip = true;
    AwqOptions awq_options;
    bool include_output = true;  // output.weight too (its inputs are the final norm's outputs)
    bool progress = true;
};

struct SequentialReport {
    std::vector<double> layer_seconds;
    // Where the time went, over all layers: the forward passes, summing the inputs' statistics (Hessians),
    // AWQ's searches, and quantizing (the hook: GPTQ's solver); and quantize_flops, the solver's arithmetic
    // (factorising each Hessian once, 4/3 n^3, and the sweeps, rows x n^2 each).
    double forward_seconds = 0, statistics_seconds = 0, awq_seconds = 0, quantize_seconds = 0;
    double quantize_flops = 0;
    int scaled_groups = 0;           // AWQ scaling groups whose search beat no scaling
    std::int64_t clipped_groups = 0; // row groups AWQ clipped
    std::uint64_t activation_bytes = 0, hessian_bytes = 0, layer_weight_bytes = 0;  // the most held at once
    // mixture of experts: experts calibrated on the tokens routed to them, and those no token was routed to
    // (rounded to nearest, as GPTQModel's fail-safe does)
    std::int64_t calibrated_experts = 0, experts_without_tokens = 0;
};

// samples: token sequences of equal length (the first token BOS, as perplexity chunks).
SequentialReport run_sequential_calibration(const LlamaModel& model, const std::vector<std::vector<std::int32_t>>& samples,
                                            const SequentialOptions& options, const SequentialHooks& hooks, ThreadPool& pool);

}  // namespace qforge
