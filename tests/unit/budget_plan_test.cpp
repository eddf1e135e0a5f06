// The size-budget planner: its knapsack against an exhaustive search, its pruning and its size parser.
#include <gtest/gtest.h>

#include <limits>
#include <random>

#include "core/error.h"
#include "quant/plan/budget_plan.h"

namespace qforge {
namespace {

using T = TensorType;

// The least cost within the budget by trying every combination.
double brute_force(const std::vector<BudgetTensor>& tensors, std::uint64_t budget) {
    double best = std::numeric_limits<double>::infinity();
    std::vector<std::size_t> pick(tensors.size(), 0);
    for (;;) {
        std::uint64_t bytes = 0;
        double cost = 0;
        for (std::size_t i = 0; i < tensors.size(); ++i) {
            bytes += tensors[i].candidates[pick[i]].bytes;
            cost += tensors[i].candidates[pick[i]].cost;
        }
        if (bytes <= budget) best = std::min(best, cost);
        std::size_t i = 0;
        while (i < tensors.size() && ++pick[i] == tensors[i].candidates.size()) pick[i++] = 0;
        if (i == tensors.size()) return best;
    }
}

std::vector<BudgetTensor> random_tensors(std::mt19937& rng, std::size_t n) {
    std::vector<BudgetTensor> out;
    const T types[] = {T::Q2_K, T::Q3_K, T::Q4_K, T::Q5_K, T::Q6_K};
    for (std::size_t i = 0; i < n; ++i) {
        BudgetTensor t{"t" + std::to_string(i), {}};
        const std::uint64_t elements = 256 * (1 + rng() % 64);
        double cost = std::uniform_real_distribution<double>(0.01, 1.0)(rng);
        for (std::size_t k = 0; k < 5; ++k) {
            t.candidates.push_back({types[k], elements * (2 + k) / 8 + rng() % 7, cost});
            cost *= std::uniform_real_distribution<double>(0.2, 0.6)(rng);
        }
        out.push_back(std::move(t));
    }
    return out;
}

TEST(BudgetPlan, MatchesExhaustiveSearchWithinTheBudget) {
    std::mt19937 rng(7);
    for (int trial = 0; trial < 40; ++trial) {
        const auto tensors = random_tensors(rng, 6);
        std::uint64_t lo = 0, hi = 0;
        for (const auto& t : tensors) {
            lo += t.candidates.front().bytes;
            hi += t.candidates.back().bytes;
        }
        const std::uint64_t budget = lo + (hi - lo) * (1 + trial % 9) / 10;
        // units finer than a byte: the programme is exact
        const BudgetAllocation a = allocate_to_budget(tensors, budget, {1 << 20});
        ASSERT_LE(a.bytes, budget) << "trial " << trial;
        std::uint64_t bytes = 0;
        double cost = 0;
        for (std::size_t i = 0; i < tensors.size(); ++i) {
            bytes += tensors[i].candidates[a.choice[i]].bytes;
            cost += tensors[i].candidates[a.choice[i]].cost;
        }
        EXPECT_EQ(bytes, a.bytes);
        EXPECT_DOUBLE_EQ(cost, a.cost);
        const double optimum = brute_force(tensors, budget);
        EXPECT_LE(a.cost, optimum * (1 + 1e-12)) << "trial " << trial;
        // the default resolution (bytes rounded up to 1/32768 of the budget) loses next to nothing
        const BudgetAllocation d = allocate_to_budget(tensors, budget);
        EXPECT_LE(d.bytes, budget);
        EXPECT_LE(d.cost, optimum * 1.01) << "trial " << trial;
    }
}

TEST(BudgetPlan, CoarseUnitsStillFitAndNearlyOptimal) {
    std::mt19937 rng(11);
    const auto tensors = random_tensors(rng, 7);
    std::uint64_t lo = 0, hi = 0;
    for (const auto& t : tensors) {
        lo += t.candidates.front().bytes;
        hi += t.candidates.back().bytes;
    }
    const std::uint64_t budget = (lo + hi) / 2;
    const BudgetAllocation coarse = allocate_to_budget(tensors, budget, {64});
    EXPECT_LE(coarse.bytes, budget);
    EXPECT_LE(coarse.cost, brute_force(tensors, budget) * 1.5);
}

TEST(BudgetPlan, RefusesBudgetBelowTheSmallestPlan) {
    const std::vector<BudgetTensor> tensors = {{"a", {{T::Q2_K, 100, 1.0}, {T::Q4_K, 200, 0.1}}},
                                               {"b", {{T::Q2_K, 50, 1.0}}}};
    EXPECT_THROW(allocate_to_budget(tensors, 149), Error);
    const BudgetAllocation a = allocate_to_budget(tensors, 150);
    EXPECT_EQ(a.choice, (std::vector<std::size_t>{0, 0}));
    const BudgetAllocation b = allocate_to_budget(tensors, 250);
    EXPECT_EQ(b.choice, (std::vector<std::size_t>{1, 0}));
    EXPECT_EQ(b.bytes, 250u);
}

TEST(BudgetPlan, DropsDominatedCandidates) {
    const auto kept = undominated({{T::Q4_K, 200, 0.5}, {T::Q2_K, 100, 1.0}, {T::IQ3_S, 150, 1.2}, {T::Q5_K, 200, 0.4},
                                   {T::Q8_0, 400, 0.4}});
    ASSERT_EQ(kept.size(), 2u);
    EXPECT_EQ(kept[0].type, T::Q2_K);
    EXPECT_EQ(kept[1].type, T::Q5_K);
}

TEST(BudgetPlan, ParsesSizes) {
    EXPECT_EQ(parse_byte_size("123456"), 123456u);
    EXPECT_EQ(parse_byte_size("3GiB"), 3ull << 30);
    EXPECT_EQ(parse_byte_size("1.5G"), 3ull << 29);
    EXPECT_EQ(parse_byte_size("3200MB"), 3200000000ull);
    EXPECT_EQ(parse_byte_size("4 MiB"), 4ull << 20);
    EXPECT_EQ(parse_byte_size("2kb"), 2000u);
    EXPECT_FALSE(parse_byte_size(""));
    EXPECT_FALSE(parse_byte_size("GiB"));
    EXPECT_FALSE(parse_byte_size("3 parsecs"));
    EXPECT_FALSE(parse_byte_size("1.2.3G"));
    EXPECT_FALSE(parse_byte_size("0"));
}

}  // namespace
}  // namespace qforge
