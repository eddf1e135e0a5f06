#include "model/batch_layout.h"

#include "core/error.h"

namespace qforge {

void plan_runs(std::span<const std::int32_t> positions, std::span<const std::int32_t> seq, std::span<const KvTable> tables,
               std::int64_t block_tokens, std::vector<AttentionRun>& out) {
    out.clear();
    if (positions.size() != seq.size()) fail("batch: {} positions for {} sequence ids", positions.size(), seq.size());
    for (std::size_t i = 0; i < positions.size(); ++i) {
        const std::int32_t s = seq[i];
        const std::int64_t p = positions[i];
        if (s < 0 || static_cast<std::size_t>(s) >= tables.size()) fail("batch: token {} names sequence {} of {}", i, s, tables.size());
        if (p < 0 || p / block_tokens >= static_cast<std::int64_t>(tables[static_cast<std::size_t>(s)].size()))
            fail("batch: token {} at position {} is outside the {} cached positions of sequence {}", i, p,
                 static_cast<std::int64_t>(tables[static_cast<std::size_t>(s)].size()) * block_tokens, s);
        const auto t = static_cast<std::int64_t>(i);
        if (!out.empty() && out.back().seq == s && out.back().pos0 + (t - out.back().t0) == p) out.back().t1 = t + 1;
        else out.push_back({s, t, t + 1, p});
    }
}

SingleSequenceBatch::SingleSequenceBatch(std::int64_t pos0, std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i) positions_.push_back(static_cast<std::int32_t>(pos0 + i));
    seq_.assign(static_cast<std::size_t>(n), 0);
    tables_.push_back(KvTable(&block0_, 1));
    runs_.push_back({0, 0, n, pos0});
}

}  // namespace qforge
