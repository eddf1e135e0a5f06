#include "eval/report/report_cell.h"

#include <algorithm>
#include <charconv>
#include <numeric>

#include "core/error.h"

namespace qforge {

nlohmann::json to_json(const ReportCell& c) {
    return {{"type", c.type},
            {"method", c.method},
            {"file", c.file},
            {"bytes", c.bytes},
            {"bits_per_weight", c.bits_per_weight},
            {"ppl", c.ppl},
            {"ppl_error", c.ppl_error},
            {"kld", c.kld},
            {"kld_error", c.kld_error},
            {"max_kld", c.max_kld},
            {"same_top", c.same_top},
            {"pp_tps", c.pp_tps},
            {"tg_tps", c.tg_tps},
            {"seconds_quantize", c.seconds_quantize}};
}

ReportCell cell_from_json(const nlohmann::json& j) {
    try {
        ReportCell c;
        c.type = j.at("type").get<std::string>();
        c.method = j.at("method").get<std::string>();
        c.file = j.at("file").get<std::string>();
        c.bytes = j.at("bytes").get<std::uint64_t>();
        c.bits_per_weight = j.at("bits_per_weight").get<double>();
        c.ppl = j.at("ppl").get<double>();
        c.ppl_error = j.at("ppl_error").get<double>();
        c.kld = j.at("kld").get<double>();
        c.kld_error = j.at("kld_error").get<double>();
        c.max_kld = j.at("max_kld").get<double>();
        c.same_top = j.at("same_top").get<double>();
        c.pp_tps = j.at("pp_tps").get<double>();
        c.tg_tps = j.at("tg_tps").get<double>();
        c.seconds_quantize = j.at("seconds_quantize").get<double>();
        return c;
    } catch (const nlohmann::json::exception& e) {
        fail("report cell: {}", e.what());
    }
}

std::vector<std::size_t> pareto_front(const std::vector<ReportCell>& cells) {
    std::vector<std::size_t> order(cells.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return cells[a].bits_per_weight != cells[b].bits_per_weight ? cells[a].bits_per_weight < cells[b].bits_per_weight
                                                                    : cells[a].kld < cells[b].kld;
    });
    std::vector<std::size_t> front;
    double best = 1e300;
    for (std::size_t i : order)
        if (cells[i].kld < best) {
            front.push_back(i);
            best = cells[i].kld;
        }
    return front;
}

std::optional<double> budget_plan_bpw(const std::string& type) {
    if (type.size() <= 3 || !type.ends_with("bpw")) return std::nullopt;
    double v = 0;
    const char* end = type.data() + type.size() - 3;
    const auto [p, ec] = std::from_chars(type.data(), end, v);
    if (ec != std::errc() || p != end || !(v > 0.0) || v > 32.0) return std::nullopt;
    return v;
}

std::string report_series(const ReportCell& c) {
    return budget_plan_bpw(c.type) ? c.method + " budget plan" : c.method;
}

}  // namespace qforge
