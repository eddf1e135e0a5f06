#pragma once
// Collects an importance matrix the way llama-imatrix does: for every multiplication by a block weight
// ("blk.*", and output.weight if asked) with at least 16 activation rows, add each row's squared values to
// per-column float sums, in row order, and count the rows and the calls. Matching llama.cpp's float
// accumulation order keeps our sums within rounding of its file.
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

    // x: n_rows rows of n_cols floats, the input of weight `name`.
    void observe(const std::string& name, const float* x, std::int64_t n_rows, std::int64_t n_cols);

    // The collected statistics; entries whose columns never saw data are left out (as llama.cpp does).
    Imatrix result(std::vector<std::string> datasets, std::int64_t chunk_count, std::int64_t chunk_size) const;
    std::size_t n_entries() const { return stats_.size(); }

private:
    struct Stats {
        std::vector<float> sums;
        std::int64_t rows = 0, calls = 0;
    };
    ImatrixCollectorOptions options_;
    // Keyed like llama-imatrix's map, so entries come out in the same order as its file's.
    std::unordered_map<std::string, Stats> stats_;
};

}  // namespace qforge
