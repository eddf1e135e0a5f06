#pragma once
// The report's chart as standalone SVG: bits per weight (x) against mean KL-divergence (y, log scale), one
// marker per cell (shape by method, labelled with the type; budget plans a series of their own, joined into a
// curve of bits per weight against KLD), and the Pareto front drawn through the cells no other beats on both
// axes.
#include <string>
#include <vector>

#include "eval/report/report_cell.h"

namespace qforge {

std::string size_kld_svg(const std::vector<ReportCell>& cells, const std::string& title);

}  // namespace qforge
