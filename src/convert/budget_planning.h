#pragma once
// `qforge quantize --target-bpw B | --target-size S`: a GGUF type for every quantizable tensor so that the file
// meets the budget and the model loses as little as possible. Each tensor is quantized to every candidate type
// and its error measured through the diagonal of its inputs' Hessian (the importance matrix); with calibration
// samples, one probe per tensor measures what that error does to the model's output (the KL-divergence of the
// model with only that tensor quantized), which puts every tensor's errors on the scale of the model's loss.
// A multiple-choice knapsack (quant/plan/budget_plan) then picks the types.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "convert/quantize_gguf.h"
#include "core/thread_pool.h"
#include "formats/gguf/gguf_file.h"
#include "formats/gguf/gguf_metadata.h"
#include "formats/imatrix/imatrix_data.h"
#include "model/llama_model.h"

namespace qforge {

struct BudgetTarget {
    std::optional<double> bpw;              // bits per weight over all tensors, as quantize prints it
    std::optional<std::uint64_t> file_bytes;  // the whole file
    std::string text;                       // as given, recorded in the output ("4.5 bpw", "3.2GiB")
};

struct BudgetPlanningOptions {
    BudgetTarget target;
    std::vector<TensorType> candidates;  // empty: the default set (budget_default_candidates)
    bool quantize_output = true;         // output.weight is planned (else kept as it is)
    bool progress = true;
    std::string calib_name;              // the calibration text's file, recorded
};

struct BudgetTensorChoice {
    std::string name;
    TensorType type;
    std::uint64_t elements = 0, bytes = 0;
    double cost = 0.0;       // the estimated KL-divergence (or relative output error) it adds
    double probe_kld = -1;   // the measured KLD of the probe (-1: not probed)
    TensorType probe_type = TensorType::F32;
};

struct BudgetPlan {
    std::map<std::string, TensorType> types;
    std::vector<BudgetTensorChoice> tensors;  // in the file's order
    std::uint64_t tensor_bytes = 0;           // all tensors of the output (quantized and kept)
    std::uint64_t elements = 0;
    std::uint64_t budget_tensor_bytes = 0;    // what the target allows the tensors
    double estimated_cost = 0.0;              // summed
    bool measured_kld = false;                // costs are KLD estimates (else relative output errors)
    std::int64_t probe_tokens = 0;
    // without an importance matrix given: the one the probes' base pass collected (output.weight's inputs
    // included), which the errors were weighted by and the quantizers should use
    std::shared_ptr<const Imatrix> collected_imatrix;
    double bpw() const { return elements == 0 ? 0.0 : 8.0 * static_cast<double>(tensor_bytes) / static_cast<double>(elements); }
};

std::vector<TensorType> budget_default_candidates();
// model and samples: the KL-divergence probes (null/empty: the relative output errors alone). imatrix: the
// importance of every linear's columns (the quantizers use it, as llama-quantize would, and the errors are
// weighted by it); may be null, and is then collected from the samples where there are any.
BudgetPlan plan_to_budget(const GgufFile& in, const Imatrix* imatrix, const LlamaModel* model,
                          const std::vector<std::vector<std::int32_t>>& samples, const BudgetPlanningOptions& options,
                          ThreadPool& pool);

// The plan as quantize.budget.* keys: the target, the bits per weight, the estimated cost and how it was
// measured, and every planned tensor's type and cost.
void record_budget_plan(GgufMetadata& meta, const BudgetPlan& plan, const BudgetPlanningOptions& options);

// Sets quantize options to write the plan: every planned tensor's type, general.file_type of the mix of the
// type that holds the most bytes, the quantize.budget.* keys, and the collected importance matrix where
// none was given (recorded as taken from calib_name).
void apply_budget_plan(const BudgetPlan& plan, const BudgetPlanningOptions& options, QuantizeOptions& quantize);

// llama-quantize's name for the mix whose general.file_type fits a file mostly in `type` (Q4_K -> Q4_K_M).
std::string mix_name_for(TensorType type);

}  // namespace qforge
