#pragma once
// Collects an importance matrix the way llama-imatrix does: for every multiplication by a block weight
// ("blk.*", and output.weight if asked) with at least 16 activation rows, add each row's squared values to
// per-column float sums, in row order, and count the rows and the calls. The experts' stacked matrices are
// collected whatever the number of rows (as llama-imatrix collects every MUL_MAT_ID), per expert; an entry of
// which some expert saw no row is left out, as llama-imatrix leaves out entries with partial data. Matching
// llama.cpp's float accumulation order keeps our sums within rounding of its file.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "formats/imatrix/imatrix_data.h"

namespace qforge {

struct ImatrixCollectorOptions {
    bool process_output = false;  // llama-imatrix --process-output
    std::int64_t min_rows = 16;   // smaller batches are skipped, as llama.cpp does
};

class ImatrixCollector {
public:
    explicit ImatrixCollector(ImatrixCollectorOptions options = {}) : options_(options) {}

    // x: n_rows rows of n_cols floats, the input of weight `name`; for a stacked expert tensor of n_expert
    // experts, the rows routed to `expert` (observed for every expert of a product in order, expert 0 first:
    // that starts a call), else expert -1 and n_expert 1.
    void observe(const std::string& name, std::int64_t expert, std::int64_t n_expert, const float* x, std::int64_t n_rows,
                 std::int64_t n_cols);

    // The collected statistics; entries whose columns never saw data are left out (as llama.cpp does), and
    // partial() names the expert entries left out because some expert saw no row.
    Imatrix result(std::vector<std::string> datasets, std::int64_t chunk_count, std::int64_t chunk_size) const;
    std::vector<std::string> partial() const;
    std::size_t n_entries() const { return stats_.size(); }

private:
    struct Stats {
        std::vector<float> sums;          // n_cols per matrix
        std::vector<std::int64_t> rows;   // per matrix (one, or one per expert)
        std::int64_t calls = 0;
    };
    ImatrixCollectorOptions options_;
    // Keyed like llama-imatrix's map, so entries come out in the same order as its file's.
    std::unordered_map<std::string, Stats> stats_;
};

}  // namespace qforge
