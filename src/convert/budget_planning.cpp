#include "convert/budget_planning.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "convert/tensor_sensitivity.h"
#include "core/error.h"
#include "core/progress.h"
#include "quant/codecs/codec_table.h"
#include "quant/methods/quantization_error.h"
#include "quant/plan/budget_plan.h"
#include "quant/plan/quantizable.h"

namespace qforge {
namespace {

using T = TensorType;

// llama.cpp's quantizers refuse these without importance data for the tensor.
bool needs_importance(TensorType t) {
    return t == T::IQ2_XXS || t == T::IQ2_XS || t == T::IQ2_S || t == T::IQ1_S || t == T::IQ1_M;
}

std::uint64_t bytes_in(TensorType type, const TensorView& t) {
    const auto& tr = traits(type);
    return static_cast<std::uint64_t>(t.n_rows()) * static_cast<std::uint64_t>(t.ne[0] / tr.block_size) * tr.type_size;
}

double bits_per_weight(TensorType type) {
    const auto& tr = traits(type);
    return 8.0 * tr.type_size / tr.block_size;
}

struct Measured {
    const TensorView* src;
    std::vector<BudgetCandidate> candidates;  // cost: the weighted error until the probe scales it
    std::vector<double> relative;             // per candidate: error / signal
    double probe_kld = -1;
    TensorType probe_type = T::F32;
};

// The probe's type: the candidate nearest 3.5 bits per weight, where the error is well above rounding noise
// and still small enough that the KL-divergence grows with it in proportion.
std::size_t probe_index(const std::vector<BudgetCandidate>& c) {
    std::size_t best = 0;
    for (std::size_t i = 1; i < c.size(); ++i)
        if (std::fabs(bits_per_weight(c[i].type) - 3.5) < std::fabs(bits_per_weight(c[best].type) - 3.5)) best = i;
    return best;
}

}  // namespace

std::vector<TensorType> budget_default_candidates() {
    return {T::Q2_K, T::IQ2_XXS, T::IQ2_XS, T::IQ2_S, T::Q3_K, T::IQ3_XXS, T::IQ3_S, T::Q4_K, T::IQ4_XS, T::Q5_K, T::Q6_K,
            T::Q4_0, T::Q4_1, T::Q5_0, T::Q5_1, T::IQ4_NL, T::Q8_0, T::F16};
}

std::string mix_name_for(TensorType type) {
    switch (type) {
        case T::Q3_K: return "Q3_K_M";
        case T::Q4_K: return "Q4_K_M";
        case T::Q5_K: return "Q5_K_M";
        case T::IQ2_S: return "IQ2_M";
        default: return std::string(type_name(type));
    }
}

BudgetPlan plan_to_budget(const GgufFile& in, const Imatrix* imatrix, const LlamaModel* model,
                          const std::vector<std::vector<std::int32_t>>& samples, const BudgetPlanningOptions& o, ThreadPool& pool) {
    const std::vector<TensorType> allowed = o.candidates.empty() ? budget_default_candidates() : o.candidates;
    for (TensorType t : allowed)
        if (!can_quantize(t)) fail("quantize: budget candidate type {} cannot be written", type_name(t));
    BudgetPlan plan;
    std::uint64_t fixed = 0;
    std::vector<Measured> measured;
    for (const TensorView& t : in.tensors()) {
        plan.elements += static_cast<std::uint64_t>(t.n_elements());
        if (!is_quantizable_tensor(t.name, t.ne.size(), o.quantize_output)) {
            fixed += t.data.size();
            continue;
        }
        if (traits(t.type).quantized)
            fail("{}: tensor '{}' is already {}: a budget plan quantizes from float tensors", in.path(), t.name, type_name(t.type));
        measured.push_back({&t, {}, {}, -1, T::F32});
    }
    if (measured.empty()) fail("{}: no tensor to quantize", in.path());

    // the tensors' share of the target
    std::uint64_t allowed_bytes = 0;
    if (o.target.bpw) {
        allowed_bytes = static_cast<std::uint64_t>(std::floor(*o.target.bpw * static_cast<double>(plan.elements) / 8.0));
    } else if (o.target.file_bytes) {
        // the header as the input's, plus the keys this plan adds and each tensor's alignment padding
        std::uint64_t header = in.data_offset() + 4096;
        for (const Measured& m : measured) header += 2 * (m.src->name.size() + 24);
        header += static_cast<std::uint64_t>(in.tensors().size()) * in.alignment();
        if (*o.target.file_bytes <= header) fail("quantize: --target-size {}: smaller than the file's header", o.target.text);
        allowed_bytes = *o.target.file_bytes - header;
    } else {
        fail("quantize: a budget plan needs --target-bpw or --target-size");
    }
    if (allowed_bytes <= fixed)
        fail("quantize: target {}: the tensors kept as they are already take {} bytes", o.target.text, fixed);
    plan.budget_tensor_bytes = allowed_bytes;

    // a budget no plan can meet is refused before anything is measured (this bound ignores which types need
    // importance data, so it is never above the smallest plan)
    std::uint64_t lower_bound = fixed;
    for (const Measured& m : measured) {
        std::uint64_t least = 0;
        for (TensorType type : allowed)
            if (m.src->ne[0] % traits(type).block_size == 0) least = least == 0 ? bytes_in(type, *m.src) : std::min(least, bytes_in(type, *m.src));
        lower_bound += least;
    }
    const auto refuse_below = [&](std::uint64_t smallest) {
        fail("quantize: target {} is below the smallest plan the candidate types allow: {} bytes of tensors, {:.3f} bits per weight",
             o.target.text, smallest, 8.0 * static_cast<double>(smallest) / static_cast<double>(plan.elements));
    };
    if (lower_bound > allowed_bytes) refuse_below(lower_bound);

    const bool probing = model != nullptr && !samples.empty();
    std::unique_ptr<TensorSensitivity> sensitivity;
    if (probing) {
        std::unique_ptr<ImatrixCollector> collector;
        if (imatrix == nullptr) collector = std::make_unique<ImatrixCollector>(ImatrixCollectorOptions{true, 16});
        sensitivity = std::make_unique<TensorSensitivity>(*model, samples, pool, collector.get());
        if (collector) {
            plan.collected_imatrix = std::make_shared<const Imatrix>(collector->result(
                {o.calib_name}, static_cast<std::int64_t>(samples.size()), static_cast<std::int64_t>(samples.front().size())));
            imatrix = plan.collected_imatrix.get();
        }
    }
    plan.measured_kld = probing;
    plan.probe_tokens = probing ? sensitivity->tokens() : 0;

    Progress progress(probing ? "budget: errors and KL probes" : "budget: errors", measured.size(), o.progress);
    for (Measured& m : measured) {
        const TensorView& t = *m.src;
        const std::int64_t cols = t.ne[0], rows = t.n_rows();
        std::vector<float> importance;
        if (imatrix != nullptr)
            if (const ImatrixEntry* e = imatrix->find(t.name); e != nullptr && e->sums.size() == static_cast<std::size_t>(cols))
                importance = e->means();
        const float* imp = importance.empty() ? nullptr : importance.data();
        const std::vector<float> w = dequantize_tensor(t);
        for (TensorType type : allowed) {
            if (cols % traits(type).block_size != 0) continue;
            if (needs_importance(type) && imp == nullptr) continue;
            const QuantizationError e = quantization_error(type, w.data(), rows, cols, imp, pool);
            m.candidates.push_back({type, bytes_in(type, t), e.error});
            m.relative.push_back(e.relative());
        }
        if (m.candidates.empty())
            fail("{}: tensor '{}' (rows of {}) fits none of the candidate types", in.path(), t.name, cols);
        if (probing) {
            const std::size_t p = probe_index(m.candidates);
            std::vector<std::uint8_t> bytes;
            const QuantizationError e = quantization_error(m.candidates[p].type, w.data(), rows, cols, imp, pool, &bytes);
            const TensorView probe{t.name, m.candidates[p].type, t.ne, {bytes.data(), bytes.size()}};
            m.probe_kld = sensitivity->kl_divergence(probe);
            m.probe_type = m.candidates[p].type;
            const double scale = e.error > 0 ? m.probe_kld / e.error : 0.0;
            for (BudgetCandidate& c : m.candidates) c.cost *= scale;
        } else {
            for (std::size_t i = 0; i < m.candidates.size(); ++i) m.candidates[i].cost = m.relative[i];
        }
        progress.advance(1, t.name);
    }
    progress.finish();
    sensitivity.reset();


    std::vector<BudgetTensor> items;
    std::uint64_t smallest = fixed;
    for (const Measured& m : measured) {
        items.push_back({m.src->name, undominated(m.candidates)});
        smallest += items.back().candidates.front().bytes;  // sorted by bytes
    }
    if (smallest > allowed_bytes) refuse_below(smallest);  // the types that need importance data left out
    const BudgetAllocation a = allocate_to_budget(items, allowed_bytes - fixed);
    plan.tensor_bytes = fixed + a.bytes;
    plan.estimated_cost = a.cost;
    for (std::size_t i = 0; i < items.size(); ++i) {
        const BudgetCandidate& c = items[i].candidates[a.choice[i]];
        const Measured& m = measured[i];
        plan.types[items[i].name] = c.type;
        plan.tensors.push_back({items[i].name, c.type, static_cast<std::uint64_t>(m.src->n_elements()), c.bytes, c.cost, m.probe_kld, m.probe_type});
    }
    return plan;
}

void record_budget_plan(GgufMetadata& meta, const BudgetPlan& plan, const BudgetPlanningOptions& o) {
    std::vector<std::string> names, types;
    std::vector<float> costs;
    for (const BudgetTensorChoice& t : plan.tensors) {
        names.push_back(t.name);
        types.push_back(std::string(type_name(t.type)));
        costs.push_back(static_cast<float>(t.cost));
    }
    meta.set("quantize.budget.target", GgufValue::make(o.target.text));
    meta.set("quantize.budget.bpw", GgufValue::make(static_cast<float>(plan.bpw())));
    meta.set("quantize.budget.measure",
             GgufValue::make(plan.measured_kld
                                 ? fmt::format("kl-divergence probes on {} tokens of {}, scaled by each type's importance-weighted error",
                                               plan.probe_tokens, o.calib_name)
                                 : std::string("importance-weighted relative output error (no calibration text)")));
    meta.set(plan.measured_kld ? "quantize.budget.estimated_kld" : "quantize.budget.estimated_error",
             GgufValue::make(static_cast<float>(plan.estimated_cost)));
    meta.set("quantize.budget.tensors", GgufValue::make(GgufArray::of_strings(names)));
    meta.set("quantize.budget.types", GgufValue::make(GgufArray::of_strings(types)));
    meta.set("quantize.budget.costs", GgufValue::make(GgufArray::of_f32(costs)));
}

void apply_budget_plan(const BudgetPlan& plan, const BudgetPlanningOptions& options, QuantizeOptions& o) {
    std::map<TensorType, std::uint64_t> bytes_by_type;
    for (const auto& t : plan.tensors) bytes_by_type[t.type] += t.bytes;
    const auto dominant = std::max_element(bytes_by_type.begin(), bytes_by_type.end(),
                                           [](const auto& a, const auto& b) { return a.second < b.second; });
    o.type = mix_name_for(dominant->first);
    o.pure = true;  // the plan, not the mix's rules, types every tensor
    o.planned_types = plan.types;
    if (!o.imatrix && plan.collected_imatrix) {
        o.imatrix = plan.collected_imatrix;
        o.imatrix_path = options.calib_name;
    }
    record_budget_plan(o.planned_metadata, plan, options);
}

}  // namespace qforge
