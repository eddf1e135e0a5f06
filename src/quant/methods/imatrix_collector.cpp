#include "quant/methods/imatrix_collector.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace qforge {

void ImatrixCollector::observe(const std::string& name, std::int64_t expert, std::int64_t n_expert, const float* x,
                               std::int64_t n_rows, std::int64_t n_cols) {
    const bool stacked = expert >= 0;
    if (!stacked && n_rows < options_.min_rows) return;
    if (!(name.starts_with("blk.") || (options_.process_output && name == "output.weight"))) return;
    if (stacked ? expert >= n_expert : n_expert != 1) fail("internal error: imatrix: expert {} of {} for '{}'", expert, n_expert, name);
    Stats& s = stats_[name];
    if (s.sums.empty()) {
        s.sums.assign(static_cast<std::size_t>(n_cols * n_expert), 0.0f);
        s.rows.assign(static_cast<std::size_t>(n_expert), 0);
    }
    if (s.sums.size() != static_cast<std::size_t>(n_cols * n_expert))
        fail("imatrix: weight '{}' is multiplied with rows of {} and of {} values", name, s.sums.size() / s.rows.size(), n_cols);
    if (expert <= 0) ++s.calls;
    float* sums = s.sums.data() + (stacked ? expert : 0) * n_cols;
    for (std::int64_t r = 0; r < n_rows; ++r) {
        const float* row = x + r * n_cols;
        for (std::int64_t j = 0; j < n_cols; ++j) sums[j] += row[j] * row[j];
    }
    s.rows[static_cast<std::size_t>(stacked ? expert : 0)] += n_rows;
    for (std::int64_t j = 0; j < n_cols; ++j)
        if (!std::isfinite(sums[j])) fail("imatrix: non-finite activation statistics for '{}'", name);
}

std::vector<std::string> ImatrixCollector::partial() const {
    std::vector<std::string> names;
    for (const auto& [name, s] : stats_) {
        std::size_t unused = 0;
        for (std::int64_t r : s.rows) unused += r == 0 ? 1 : 0;
        if (unused > 0 && unused < s.rows.size()) names.push_back(name);
    }
    return names;
}

Imatrix ImatrixCollector::result(std::vector<std::string> datasets, std::int64_t chunk_count, std::int64_t chunk_size) const {
    Imatrix m;
    m.datasets = std::move(datasets);
    m.chunk_count = chunk_count;
    m.chunk_size = chunk_size;
    for (const auto& [name, s] : stats_) {
        if (std::find(s.rows.begin(), s.rows.end(), 0) != s.rows.end()) continue;  // no data, or some expert's is missing
        ImatrixEntry e;
        e.name = name;
        e.sums = s.sums;
        for (std::int64_t r : s.rows) e.counts.push_back(static_cast<float>(r));
        e.ncall = s.calls;
        m.entries.push_back(std::move(e));
    }
    return m;
}

}  // namespace qforge
