#include "eval/report/size_kld_chart.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

namespace qforge {
namespace {

std::string escape_xml(const std::string& s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            default: out += c;
        }
    }
    return out;
}

constexpr const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"};

}  // namespace

std::string size_kld_svg(const std::vector<ReportCell>& cells, const std::string& title) {
    constexpr double W = 760, H = 480, left = 80, right = 170, top = 50, bottom = 60;
    const double pw = W - left - right, ph = H - top - bottom;
    double xmin = 1e300, xmax = -1e300, ymin = 1e300, ymax = -1e300;
    for (const auto& c : cells) {
        xmin = std::min(xmin, c.bits_per_weight);
        xmax = std::max(xmax, c.bits_per_weight);
        const double k = std::max(c.kld, 1e-7);
        ymin = std::min(ymin, k);
        ymax = std::max(ymax, k);
    }
    if (cells.empty()) xmin = 0, xmax = 1, ymin = 1e-4, ymax = 1;
    xmin = std::floor(xmin) - 0.5, xmax = std::ceil(xmax) + 0.5;
    const double ly0 = std::floor(std::log10(ymin)), ly1 = std::max(std::ceil(std::log10(ymax)), ly0 + 1);
    auto X = [&](double v) { return left + (v - xmin) / (xmax - xmin) * pw; };
    auto Y = [&](double v) { return top + ph - (std::log10(std::max(v, 1e-7)) - ly0) / (ly1 - ly0) * ph; };

    std::string s = fmt::format(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
        "font-family=\"sans-serif\" font-size=\"12\">\n"
        "<title>{2}</title>\n<rect width=\"{0}\" height=\"{1}\" fill=\"white\"/>\n"
        "<text x=\"{3}\" y=\"24\" font-size=\"15\" font-weight=\"bold\">{2}</text>\n",
        W, H, escape_xml(title), left);
    // axes, ticks and grid
    s += fmt::format("<g class=\"axes\" stroke=\"#333\">\n<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\"/>\n"
                     "<line x1=\"{0}\" y1=\"{3}\" x2=\"{0}\" y2=\"{1}\"/>\n</g>\n",
                     left, top + ph, left + pw, top);
    for (double v = std::ceil(xmin); v <= xmax; v += 1)
        s += fmt::format("<g class=\"xtick\"><line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" stroke=\"#ddd\"/>"
                         "<text x=\"{0:.1f}\" y=\"{3}\" text-anchor=\"middle\">{4}</text></g>\n",
                         X(v), top, top + ph, top + ph + 18, v);
    for (double e = ly0; e <= ly1; e += 1)
        s += fmt::format("<g class=\"ytick\"><line x1=\"{0}\" y1=\"{1:.1f}\" x2=\"{2}\" y2=\"{1:.1f}\" stroke=\"#ddd\"/>"
                         "<text x=\"{3}\" y=\"{4:.1f}\" text-anchor=\"end\">1e{5}</text></g>\n",
                         left, Y(std::pow(10.0, e)), left + pw, left - 6, Y(std::pow(10.0, e)) + 4, e);
    s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">bits per weight</text>\n", left + pw / 2, H - 18);
    s += fmt::format("<text x=\"18\" y=\"{0}\" text-anchor=\"middle\" transform=\"rotate(-90 18 {0})\">mean KL-divergence "
                     "(log)</text>\n", top + ph / 2);
    // Pareto front
    const auto front = pareto_front(cells);
    if (front.size() > 1) {
        std::string points;
        for (std::size_t i : front) points += fmt::format("{:.1f},{:.1f} ", X(cells[i].bits_per_weight), Y(cells[i].kld));
        s += fmt::format("<polyline class=\"pareto\" points=\"{}\" fill=\"none\" stroke=\"#999\" stroke-dasharray=\"5,4\"/>\n",
                         points);
    }
    // markers: colour and shape by series (method, and budget plans apart); each budget series is a curve
    std::map<std::string, std::size_t> methods;
    for (const auto& c : cells) methods.emplace(report_series(c), methods.size());
    for (const auto& [name, m] : methods) {
        std::vector<const ReportCell*> curve;
        for (const auto& c : cells)
            if (budget_plan_bpw(c.type) && report_series(c) == name) curve.push_back(&c);
        if (curve.size() < 2) continue;
        std::sort(curve.begin(), curve.end(), [](const ReportCell* a, const ReportCell* b) { return a->bits_per_weight < b->bits_per_weight; });
        std::string points;
        for (const ReportCell* c : curve) points += fmt::format("{:.1f},{:.1f} ", X(c->bits_per_weight), Y(c->kld));
        s += fmt::format("<polyline class=\"budget-curve\" points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\"/>\n",
                         points, kColors[m % std::size(kColors)]);
    }
    for (const auto& c : cells) {
        const std::size_t m = methods[report_series(c)];
        const char* color = kColors[m % std::size(kColors)];
        const double x = X(c.bits_per_weight), y = Y(c.kld);
        const std::string tip = escape_xml(fmt::format("{} {}: {:.2f} bpw, KLD {:.6f}, PPL {:.4f}", c.type, report_series(c),
                                                       c.bits_per_weight, c.kld, c.ppl));
        if (m % 2 == 0)
            s += fmt::format("<circle class=\"marker\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"5\" fill=\"{}\"><title>{}</title></circle>\n",
                             x, y, color, tip);
        else
            s += fmt::format("<rect class=\"marker\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"9\" height=\"9\" fill=\"{}\"><title>{}</title></rect>\n",
                             x - 4.5, y - 4.5, color, tip);
        // labels of alternate methods above and below, so the same type's two markers stay readable
        s += fmt::format("<text class=\"label\" x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"10\">{}</text>\n", x + 7,
                         m % 2 == 0 ? y - 6 : y + 14, escape_xml(c.type));
    }
    // legend
    double ly = top + 10;
    for (const auto& [name, m] : methods) {
        const char* color = kColors[m % std::size(kColors)];
        s += fmt::format("<g class=\"legend\"><rect x=\"{}\" y=\"{:.1f}\" width=\"10\" height=\"10\" fill=\"{}\"/>"
                         "<text x=\"{}\" y=\"{:.1f}\">{}</text></g>\n",
                         left + pw + 20, ly, color, left + pw + 36, ly + 9, escape_xml(name));
        ly += 18;
    }
    s += fmt::format("<g class=\"legend\"><line x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"#999\" "
                     "stroke-dasharray=\"5,4\"/><text x=\"{}\" y=\"{:.1f}\">Pareto front</text></g>\n",
                     left + pw + 20, ly + 5, left + pw + 32, ly + 5, left + pw + 36, ly + 9);
    s += "</svg>\n";
    return s;
}

}  // namespace qforge
