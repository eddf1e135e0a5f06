#pragma once
// One cell of a quality report: a quantization type made with a method, and what it costs and loses.
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace qforge {

struct ReportCell {
    std::string type, method;
    std::string file;
    std::uint64_t bytes = 0;  // tensor data
    double bits_per_weight = 0;
    double ppl = 0, ppl_error = 0;
    double kld = 0, kld_error = 0, max_kld = 0, same_top = 0;
    double pp_tps = 0, tg_tps = 0;
    double seconds_quantize = 0;
};

nlohmann::json to_json(const ReportCell& c);
ReportCell cell_from_json(const nlohmann::json& j);

// A report type of the form "3.5bpw": a budget plan to that many bits per weight (qforge quantize
// --target-bpw), measured beside llama.cpp's mixes; nothing for a mix name.
std::optional<double> budget_plan_bpw(const std::string& type);
// The chart's series of a cell: its method, and "METHOD budget plan" for budget plans.
std::string report_series(const ReportCell& c);

// Indices of the cells on the size/KLD Pareto front (no other cell is both smaller and closer), by size.
std::vector<std::size_t> pareto_front(const std::vector<ReportCell>& cells);

}  // namespace qforge
