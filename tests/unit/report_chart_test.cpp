// The report's Pareto front and chart, on hand-made cells.
#include <gtest/gtest.h>

#include "eval/report/report_cell.h"
#include "eval/report/size_kld_chart.h"

namespace qforge {
namespace {

ReportCell cell(const char* type, const char* method, double bpw, double kld) {
    ReportCell c;
    c.type = type;
    c.method = method;
    c.bits_per_weight = bpw;
    c.kld = kld;
    return c;
}

TEST(ReportChart, ParetoFrontKeepsCellsNothingBeatsOnBothAxes) {
    const std::vector<ReportCell> cells = {cell("Q8_0", "rtn", 8.5, 0.0001), cell("Q4_K_M", "rtn", 4.9, 0.004),
                                           cell("Q4_K_M", "imatrix", 4.9, 0.003), cell("Q5_K_M", "rtn", 5.7, 0.005),
                                           cell("Q2_K", "rtn", 3.0, 0.05)};
    EXPECT_EQ(pareto_front(cells), (std::vector<std::size_t>{4, 2, 0}));  // Q5_K_M is beaten by Q4_K_M imatrix
}

TEST(ReportChart, OneMarkerPerCellAndEscapedText) {
    const std::vector<ReportCell> cells = {cell("Q8_0", "rtn", 8.5, 0.0001), cell("Q4<&>", "imatrix", 4.9, 0.003)};
    const std::string svg = size_kld_svg(cells, "a & b");
    std::size_t markers = 0;
    for (std::size_t p = svg.find("class=\"marker\""); p != std::string::npos; p = svg.find("class=\"marker\"", p + 1)) ++markers;
    EXPECT_EQ(markers, 2u);
    EXPECT_NE(svg.find("a &amp; b"), std::string::npos);
    EXPECT_NE(svg.find("Q4&lt;&amp;&gt;"), std::string::npos);
    EXPECT_EQ(svg.find("Q4<&>"), std::string::npos);
    EXPECT_TRUE(svg.starts_with("<?xml"));
    EXPECT_TRUE(svg.ends_with("</svg>\n"));
}

TEST(ReportChart, CellsRoundTripThroughJson) {
    ReportCell c = cell("Q6_K", "rtn", 6.56, 0.0005);
    c.ppl = 22.96;
    c.bytes = 12345;
    const ReportCell d = cell_from_json(to_json(c));
    EXPECT_EQ(d.type, "Q6_K");
    EXPECT_EQ(d.bytes, 12345u);
    EXPECT_EQ(d.ppl, 22.96);
}

}  // namespace
}  // namespace qforge
