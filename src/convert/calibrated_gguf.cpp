#include "convert/calibrated_gguf.h"

#include <algorithm>
#include <optional>
#include <map>

#include <fmt/format.h>

#include "core/error.h"
#include "quant/codecs/codec_table.h"
#include "quant/methods/block_grid.h"
#include "quant/methods/gptq.h"

namespace qforge {
namespace {

std::vector<std::uint8_t> encode_rows(TensorType type, const float* w, std::int64_t rows, std::int64_t cols, const float* importance) {
    const std::size_t row_bytes = *bytes_for(type, static_cast<std::uint64_t>(cols));
    std::vector<std::uint8_t> out(row_bytes * static_cast<std::size_t>(rows));
    for (std::int64_t r = 0; r < rows; ++r) quantize_row(type, w + r * cols, out.data() + static_cast<std::size_t>(r) * row_bytes, cols, importance);
    return out;
}

std::vector<float> decode_rows(TensorType type, const std::vector<std::uint8_t>& bytes, std::int64_t rows, std::int64_t cols) {
    const std::size_t row_bytes = bytes.size() / static_cast<std::size_t>(rows);
    std::vector<float> out(static_cast<std::size_t>(rows * cols));
    for (std::int64_t r = 0; r < rows; ++r) dequantize_row(type, bytes.data() + static_cast<std::size_t>(r) * row_bytes, out.data() + r * cols, cols);
    return out;
}

std::vector<float> diagonal(const std::vector<double>& h, std::int64_t n) {
    std::vector<float> d(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) d[static_cast<std::size_t>(i)] = static_cast<float>(h[static_cast<std::size_t>(i * n + i)]);
    return d;
}

// (the experts' matrices stacked in 3 dimensions too)
bool is_linear(const PlannedTensor& p) {
    return (p.out.ne.size() == 2 || p.out.ne.size() == 3) && (p.out.name.starts_with("blk.") || p.out.name == "output.weight");
}

// AutoGPTQ and AutoAWQ leave lm_head and an expert router in float; so does the INTn grid here. The experts'
// stacked matrices are on it, expert by expert.
bool on_int_grid(const PlannedTensor& p) {
    if (!p.out.name.starts_with("blk.")) return false;
    return (p.out.ne.size() == 2 && !p.out.name.ends_with(".ffn_gate_inp.weight")) || p.out.ne.size() == 3;
}
std::int64_t matrices_of(const PlannedTensor& p) { return p.out.ne.size() == 3 ? p.out.ne[2] : 1; }

GptqOptions int_grid_options(const IntGridOptions& g) {
    GptqOptions o;
    o.bits = g.bits;
    o.group_size = g.group_size;
    o.symmetric = g.symmetric;
    o.act_order = g.act_order;
    o.min_zero = g.min_zero;
    return o;
}

// Round-to-nearest onto the INTn grid, no calibration: the baseline GPTQ and AWQ are measured against.
CalibratedGgufSummary int_grid_rtn(QuantizePlan& q, const IntGridOptions& g, const CalibratedGgufOptions& o) {
    CalibratedGgufSummary summary;
    for (PlannedTensor& p : q.plan.tensors) {
        if (!on_int_grid(p) || p.src == nullptr) continue;
        const std::int64_t cols = p.out.ne[0], rows = p.out.ne[1], n_matrices = matrices_of(p);
        const std::size_t matrix_bytes = p.src->data.size() / static_cast<std::size_t>(n_matrices);
        std::vector<std::uint8_t> generated;
        for (std::int64_t m = 0; m < n_matrices; ++m) {
            const auto first = p.src->data.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(m) * matrix_bytes);
            std::vector<float> w = decode_rows(p.src->type, std::vector<std::uint8_t>(first, first + static_cast<std::ptrdiff_t>(matrix_bytes)), rows, cols);
            GptqResult r;
            try {
                r = rtn_quantize(w.data(), rows, cols, int_grid_options(g));
            } catch (const Error& e) {
                fail("{}: {}", p.out.name, e.what());
            }
            if (o.on_int_layer) o.on_int_layer(p.out.name, n_matrices > 1 ? m : -1, r, rows, cols);
            const std::vector<std::uint8_t> bytes = encode_rows(p.out.type, r.dequantized.data(), rows, cols, nullptr);
            generated.insert(generated.end(), bytes.begin(), bytes.end());
        }
        p.generated = std::move(generated);
        p.src = nullptr;
        ++summary.rounded_tensors;
    }
    return summary;
}

void check_int_grid(const QuantizePlan& q, const IntGridOptions& g) {
    if (g.bits < 2 || g.bits > 8) fail("--bits {}: the integer grid holds 2 to 8 bits", g.bits);
    if (g.group_size != -1 && g.group_size < 1) fail("--group-size {}: expected a positive number of columns or -1", g.group_size);
    for (const PlannedTensor& p : q.plan.tensors) {
        if (!is_linear(p)) continue;
        if (traits(p.out.type).quantized)
            fail("--bits: '{}' is planned as {}; an INTn grid is stored dequantized in a float type (quantize to F32 or F16)",
                 p.out.name, type_name(p.out.type));
        if (g.group_size != -1 && p.out.ne[0] % g.group_size != 0)
            fail("--group-size {} does not divide the {} columns of '{}'", g.group_size, p.out.ne[0], p.out.name);
    }
}

}  // namespace

IntCheckpointSize int_checkpoint_size(const QuantizePlan& q, const IntGridOptions& g) {
    IntCheckpointSize size;
    for (const PlannedTensor& p : q.plan.tensors) {
        std::uint64_t n = 1;
        for (auto d : p.out.ne) n *= static_cast<std::uint64_t>(d);
        size.elements += n;
        if (!on_int_grid(p)) {
            size.bytes += 2 * n;
            continue;
        }
        const auto cols = static_cast<std::uint64_t>(p.out.ne[0]), rows = n / cols;  // (every expert's rows)
        const std::uint64_t groups = g.group_size == -1 ? 1 : cols / static_cast<std::uint64_t>(g.group_size);
        const auto bits = static_cast<std::uint64_t>(g.bits);
        size.bytes += (rows * cols * bits + 7) / 8     // qweight
                      + (groups * rows * bits + 7) / 8 // qzeros
                      + groups * rows * 2              // scales (fp16)
                      + cols * 4 * static_cast<std::uint64_t>(matrices_of(p));  // g_idx
    }
    return size;
}

CalibratedGgufSummary calibrate_plan(QuantizePlan& q, const LlamaModel* model, const std::vector<std::vector<std::int32_t>>& samples,
                                     const CalibratedGgufOptions& o, ThreadPool& pool) {
    if (o.int_grid) check_int_grid(q, *o.int_grid);
    if (o.method == "rtn" && o.int_grid) return int_grid_rtn(q, *o.int_grid, o);
    if (o.method != "gptq" && o.method != "awq") fail("calibration: method '{}' (gptq or awq)", o.method);
    if (model == nullptr) fail("calibration: {} needs the model to run", o.method);
    std::map<std::string, PlannedTensor*> by_name;
    for (PlannedTensor& p : q.plan.tensors) by_name[p.out.name] = &p;
    auto planned = [&](const std::string& name) -> PlannedTensor& {
        const auto it = by_name.find(name);
        if (it == by_name.end()) fail("calibration: tensor '{}' is not in the output plan", name);
        if (it->second->permute_heads != 0) fail("calibration: tensor '{}' needs a row permutation; quantize from a GGUF file", name);
        return *it->second;
    };
    // refused up front, before the model runs: a plan with nothing the method can write
    const bool any = o.int_grid || std::any_of(q.plan.tensors.begin(), q.plan.tensors.end(), [&](const PlannedTensor& p) {
        return is_linear(p) && (o.method == "gptq" ? BlockGrid::supports(p.out.type) : traits(p.out.type).quantized);
    });
    if (!any)
        fail("{}: no linear weight is planned in a type {} can write ({})", o.method, o.method,
             o.method == "gptq" ? "GPTQ rounds onto Q4_0 Q4_1 Q5_0 Q5_1 Q8_0 IQ4_NL Q2_K Q3_K Q4_K Q5_K Q6_K IQ4_XS and the IQ1/IQ2/IQ3 types"
                                : "AWQ needs a quantized type");
    CalibratedGgufSummary summary;
    SequentialHooks hooks;
    hooks.grid = [&](const std::string& name) -> FakeQuantizer {
        if (o.int_grid)
            return [g = int_grid_options(*o.int_grid)](const float* w, std::int64_t rows, std::int64_t cols, const float*, float* out) {
                GptqOptions c = g;
                c.act_order = false;
                if (c.group_size == -1 || cols % c.group_size != 0) c.group_size = -1;  // a clipping block narrower than a row
                const GptqResult r = rtn_quantize(w, rows, cols, c);
                std::copy(r.dequantized.begin(), r.dequantized.end(), out);
            };
        const TensorType type = planned(name).out.type;
        if (!traits(type).quantized) return {};
        return [type, &pool](const float* w, std::int64_t rows, std::int64_t cols, const float* importance, float* out) {
            const std::size_t row_bytes = *bytes_for(type, static_cast<std::uint64_t>(cols));
            pool.parallel_for(rows, [&](std::int64_t begin, std::int64_t end) {
                std::vector<std::uint8_t> buf(row_bytes);
                for (std::int64_t r = begin; r < end; ++r) {
                    quantize_row(type, w + r * cols, buf.data(), cols, importance);
                    dequantize_row(type, buf.data(), out + r * cols, cols);
                }
            });
        };
    };
    hooks.clip_columns = [&](const std::string& name) -> std::int64_t {
        if (o.int_grid) return o.int_grid->group_size == -1 ? planned(name).out.ne[0] : o.int_grid->group_size;
        return traits(planned(name).out.type).block_size;
    };
    // GPTQ factors each Hessian once for the weights that share it
    std::uint64_t factored_id = ~std::uint64_t{0};
    std::optional<GptqFactor> factor;
    auto factor_for = [&](const std::vector<double>& h, std::uint64_t id, std::int64_t cols, const GptqOptions& g) -> const GptqFactor& {
        if (!factor || factored_id != id || factor->columns != cols || factor->act_order != g.act_order || factor->damp != g.damp) {
            factor.reset();
            factor = gptq_factor(h, cols, g);
            factored_id = id;
        }
        return *factor;
    };
    hooks.quantize = [&](const std::string& name, std::int64_t expert, const std::vector<float>& w, std::int64_t rows, std::int64_t cols,
                         const std::vector<double>& h, std::uint64_t hessian_id) -> std::vector<float> {
        PlannedTensor& p = planned(name);
        const TensorType type = p.out.type;
        const std::int64_t n_matrices = p.out.ne.size() == 3 ? p.out.ne[2] : 1;
        if (expert >= n_matrices || (expert < 0 && n_matrices > 1))
            fail("internal error: calibration: expert {} of tensor '{}' ({})", expert, name, shape_string(p.out.ne));
        const std::vector<float> diag = h.empty() ? std::vector<float>{} : diagonal(h, cols);
        // the imatrix's means of this matrix (an expert's own), else the Hessian's diagonal
        const float* planned_importance = p.importance ? p.importance->data() + std::max<std::int64_t>(expert, 0) * cols : nullptr;
        const float* importance = planned_importance && (o.method == "gptq" || h.empty()) ? planned_importance
                                  : diag.empty()                                          ? nullptr
                                                                                          : diag.data();
        std::vector<std::uint8_t> bytes;
        if (o.int_grid) {
            GptqResult r;
            try {
                GptqOptions g = int_grid_options(*o.int_grid);
                g.damp = o.damp;
                g.block_size = o.block_size;
                g.pool = &pool;
                r = o.method == "gptq" ? gptq_quantize(w.data(), rows, cols, factor_for(h, hessian_id, cols, g), g)
                                       : rtn_quantize(w.data(), rows, cols, g);
            } catch (const Error& e) {
                fail("{}: {}", name, e.what());
            }
            if (o.on_int_layer) o.on_int_layer(name, expert, r, rows, cols);
            bytes = encode_rows(type, r.dequantized.data(), rows, cols, nullptr);
            if (o.method == "gptq") ++summary.gptq_tensors;
            else ++summary.rounded_tensors;
        } else if (o.method == "gptq" && BlockGrid::supports(type) && !h.empty()) {
            GptqOptions g;
            g.gguf_type = type;
            g.damp = o.damp;
            g.block_size = o.block_size;
            g.importance = importance;
            g.pool = &pool;
            GptqResult r;
            try {
                r = gptq_quantize(w.data(), rows, cols, factor_for(h, hessian_id, cols, g), g);
            } catch (const Error& e) {
                fail("{}: {}", expert < 0 ? name : fmt::format("{} (expert {})", name, expert), e.what());
            }
            bytes = std::move(r.blocks);
            ++summary.gptq_tensors;
        } else {
            bytes = encode_rows(type, w.data(), rows, cols, traits(type).quantized ? importance : nullptr);
            if (traits(type).quantized) ++summary.rounded_tensors;
        }
        std::vector<float> values = decode_rows(type, bytes, rows, cols);
        if (expert < 0) {
            p.generated = std::move(bytes);
        } else {  // the stacked tensor fills expert by expert
            if (p.generated.size() != p.out.nbytes()) p.generated.assign(p.out.nbytes(), 0);
            if (bytes.size() * static_cast<std::size_t>(n_matrices) != p.generated.size())
                fail("internal error: calibration: expert {} of '{}' has {} bytes", expert, name, bytes.size());
            std::copy(bytes.begin(), bytes.end(), p.generated.begin() + static_cast<std::ptrdiff_t>(bytes.size() * static_cast<std::size_t>(expert)));
        }
        if (expert < 0 || expert == n_matrices - 1) {
            p.src = nullptr;
            p.importance.reset();
        }
        return values;
    };
    hooks.replace = [&](const std::string& name, const std::vector<float>& values) {
        PlannedTensor& p = planned(name);
        const std::int64_t cols = p.out.ne[0], rows = static_cast<std::int64_t>(values.size()) / cols;
        p.generated = encode_rows(p.out.type, values.data(), rows, cols, nullptr);
        p.src = nullptr;
        ++summary.replaced_tensors;
    };
    SequentialOptions so;
    so.awq = o.method == "awq";
    so.awq_clip = o.awq_clip;
    so.include_output = o.include_output && !o.int_grid;
    so.progress = o.progress;
    summary.sequential = run_sequential_calibration(*model, samples, so, hooks, pool);
    return summary;
}

}  // namespace qforge
