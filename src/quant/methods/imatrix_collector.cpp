#include "quant/methods/imatrix_collector.h"

#include <cmath>

#include "core/error.h"

namespace qforge {

void ImatrixCollector::observe(const std::string& name, const float* x, std::int64_t n_rows, std::int64_t n_cols) {
    if (n_rows < options_.min_rows) return;
    if (!(name.starts_with("blk.") || (options_.process_output && name == "output.weight"))) return;
    Stats& s = stats_[name];
    if (s.sums.empty()) s.sums.assign(static_cast<std::size_t>(n_cols), 0.0f);
    if (s.sums.size() != static_cast<std::size_t>(n_cols))
        fail("imatrix: weight '{}' is multiplied with rows of {} and of {} values", name, s.sums.size(), n_cols);
    ++s.calls;
    for (std::int64_t r = 0; r < n_rows; ++r) {
        const float* row = x + r * n_cols;
        for (std::int64_t j = 0; j < n_cols; ++j) s.sums[static_cast<std::size_t>(j)] += row[j] * row[j];
    }
    s.rows += n_rows;
    for (float v : s.sums)
        if (!std::isfinite(v)) fail("imatrix: non-finite activation statistics for '{}'", name);
}

Imatrix ImatrixCollector::result(std::vector<std::string> datasets, std::int64_t chunk_count, std::int64_t chunk_size) const {
    Imatrix m;
    m.datasets = std::move(datasets);
    m.chunk_count = chunk_count;
    m.chunk_size = chunk_size;
    for (const auto& [name, s] : stats_) {
        if (s.rows == 0) continue;
        ImatrixEntry e;
        e.name = name;
        e.sums = s.sums;
        e.counts = {static_cast<float>(s.rows)};
        e.ncall = s.calls;
        m.entries.push_back(std::move(e));
    }
    return m;
}

}  // namespace qforge
