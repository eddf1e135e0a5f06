#pragma once
// Mixed precision to a size budget: every quantizable tensor has candidate types, each with the bytes the
// tensor takes in it and a measured cost (the model's loss from quantizing that tensor so, e.g. its share of
// the KL-divergence); pick one type per tensor so that the bytes fit the budget and the summed cost is least.
// That is a multiple-choice knapsack, solved by dynamic programming over the budget cut into small units
// (each candidate's bytes rounded up, so the result always fits), then the bytes the rounding left over spent
// on the upgrades that save the most cost per byte.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/tensor_type.h"

namespace qforge {

struct BudgetCandidate {
    TensorType type;
    std::uint64_t bytes = 0;
    double cost = 0.0;
};

struct BudgetTensor {
    std::string name;
    std::vector<BudgetCandidate> candidates;  // at least one
};

struct BudgetAllocation {
    std::vector<std::size_t> choice;  // per tensor, the index of its chosen candidate
    std::uint64_t bytes = 0;          // summed over the tensors
    double cost = 0.0;
};

struct BudgetPlanOptions {
    std::int64_t units = 1 << 15;  // the budget's resolution in the dynamic programme
};

// Throws when even the smallest candidates exceed the budget (naming the smallest possible size).
BudgetAllocation allocate_to_budget(const std::vector<BudgetTensor>& tensors, std::uint64_t budget_bytes,
                                    const BudgetPlanOptions& options = {});

// Candidates that another candidate beats on both bytes and cost are dropped (they never help); sorted by bytes.
std::vector<BudgetCandidate> undominated(std::vector<BudgetCandidate> candidates);

// "3.2GiB", "3200MB", "4.5G", "123456" (bytes): binary units for KiB/MiB/GiB/K/M/G, decimal for KB/MB/GB.
std::optional<std::uint64_t> parse_byte_size(const std::string& text);

}  // namespace qforge
