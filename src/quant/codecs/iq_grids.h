#pragma once
// ggml's IQ codebooks (see iq_grids.cpp). Each IQ2/IQ1 entry packs 8 grid values in its bytes (IQ1's as signed
// bytes), each IQ3 entry 4.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/error.h"

namespace qforge::iq_grids {

extern const std::uint64_t kIq2xxs[256];
extern const std::uint64_t kIq2xs[512];
extern const std::uint64_t kIq2s[1024];
extern const std::uint32_t kIq3xxs[256];
extern const std::uint32_t kIq3s[512];
extern const std::uint64_t kIq1s[2048];

// The values a coordinate of each codebook takes (IQ1's as signed bytes); a value's level is its position here.
inline constexpr std::array<int, 4> kIq2Values = {8, 25, 43, 62};
inline constexpr std::array<int, 8> kIq3xxsValues = {4, 12, 20, 28, 36, 44, 52, 62};
inline constexpr std::array<int, 8> kIq3sValues = {1, 3, 5, 7, 9, 11, 13, 15};
inline constexpr std::array<int, 3> kIq1Values = {-1, 0, 1};

// A codebook's entries as levels, entry i's coordinate j at [i * sizeof(Entry) + j].
template <typename Entry, std::size_t N, std::size_t V>
std::vector<std::int8_t> levels_of(const Entry (&grid)[N], const std::array<int, V>& values, bool signed_bytes) {
    constexpr int dims = sizeof(Entry);
    std::vector<std::int8_t> levels(N * dims);
    for (std::size_t i = 0; i < N; ++i) {
        for (int j = 0; j < dims; ++j) {
            const auto byte = static_cast<std::uint8_t>(grid[i] >> (8 * j));
            const int v = signed_bytes ? static_cast<std::int8_t>(byte) : byte;
            const auto it = std::find(values.begin(), values.end(), v);
            if (it == values.end()) fail("i-quant codebook entry {} holds {}, not a level of its grid", i, v);
            levels[i * dims + j] = static_cast<std::int8_t>(it - values.begin());
        }
    }
    return levels;
}

}  // namespace qforge::iq_grids
