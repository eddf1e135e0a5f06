#pragma once
// Where the tokens of a batch belong: token i sits at position positions[i] of sequence seq[i], whose keys
// and values live in the pool blocks tables[seq[i]]. A batch may hold tokens of many sequences in any order;
// attention reads each token's own sequence and masks by position (a token sees its sequence's positions up to
// its own), never by index in the batch. Every position a token sees must be in its sequence's blocks by
// the time the layer attends: earlier steps wrote them, or an earlier token of this batch does.
#include <cstdint>
#include <span>
#include <vector>

#include "model/kv_pool.h"

namespace qforge {

// A stretch of the batch [t0, t1) holding consecutive positions pos0, pos0 + 1, ... of one sequence: the unit
// attention works on (keys converted once for all its tokens).
struct AttentionRun {
    std::int32_t seq;
    std::int64_t t0, t1, pos0;
};

struct BatchLayout {
    std::span<const std::int32_t> positions, seq;
    std::span<const KvTable> tables;
    std::span<const AttentionRun> runs;
    std::int64_t n_tokens() const { return static_cast<std::int64_t>(positions.size()); }
};

// The maximal runs of a batch, into out (cleared first; its capacity is kept, so a reserved vector does not
// allocate). Checks that each token's sequence exists and its position fits the sequence's blocks.
void plan_runs(std::span<const std::int32_t> positions, std::span<const std::int32_t> seq, std::span<const KvTable> tables,
               std::int64_t block_tokens, std::vector<AttentionRun>& out);

// One sequence's consecutive positions [pos0, pos0 + n) in a contiguous pool (table {0}): calibration's
// layer passes and tests.
class SingleSequenceBatch {
public:
    SingleSequenceBatch(std::int64_t pos0, std::int64_t n);
    SingleSequenceBatch(const SingleSequenceBatch&) = delete;  // the table points into the object
    SingleSequenceBatch& operator=(const SingleSequenceBatch&) = delete;
    BatchLayout layout() const { return {positions_, seq_, tables_, runs_}; }

private:
    std::vector<std::int32_t> positions_, seq_;
    std::int32_t block0_ = 0;
    std::vector<KvTable> tables_;
    std::vector<AttentionRun> runs_;
};

}  // namespace qforge
