#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "core/error.h"
#include "model/rope_permute.h"

namespace qforge {
namespace {

TEST(RopePermute, InterleavesTheHalvesOfEachHead) {
    // 2 heads of 4 rows, one byte per row: within a head rows [0 1 | 2 3] become [0 2 1 3].
    std::vector<std::uint8_t> src(8), dst(8);
    std::iota(src.begin(), src.end(), 0);
    permute_rope_rows(src.data(), dst.data(), 8, 1, 2);
    EXPECT_EQ(dst, (std::vector<std::uint8_t>{0, 2, 1, 3, 4, 6, 5, 7}));
    std::vector<std::uint8_t> back(8);
    unpermute_rope_rows(dst.data(), back.data(), 8, 1, 2);
    EXPECT_EQ(back, src);
}

TEST(RopePermute, RefusesOddHeadSizes) {
    std::vector<std::uint8_t> a(6), b(6);
    EXPECT_THROW(permute_rope_rows(a.data(), b.data(), 6, 1, 2), Error);
}

}  // namespace
}  // namespace qforge
