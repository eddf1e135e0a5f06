#include "quant/codecs/iq_lattice.h"

#include <algorithm>
#include <array>
#include <climits>

#include "core/error.h"
#include "quant/codecs/iq_grids.h"

namespace qforge {

IqLattice::IqLattice(int dims, int bits, int n_distances, std::vector<std::int8_t> levels)
    : dims_(dims), bits_(bits), levels_(std::move(levels)) {
    const int n = size();
    odd_.resize(levels_.size());
    int top = 0;
    for (std::size_t i = 0; i < levels_.size(); ++i) {
        odd_[i] = static_cast<std::int8_t>(2 * levels_[i] + 1);
        top = std::max<int>(top, levels_[i]);
    }
    const std::uint32_t n_keys = 1u << (bits * dims);
    map_.assign(n_keys, INT_MIN);  // keys with a level above the grid's highest are never looked up
    // Keys whose levels are all within the grid's range get a neighbour list when they are off the grid.
    std::vector<std::int8_t> at(static_cast<std::size_t>(dims));
    std::vector<std::pair<int, int>> near;
    offsets_.push_back(0);
    for (std::uint32_t k = 0; k < n_keys; ++k) {
        bool in_range = true;
        for (int j = 0; j < dims; ++j) {
            at[j] = static_cast<std::int8_t>((k >> (bits * j)) & ((1u << bits) - 1));
            in_range = in_range && at[j] <= top;
        }
        if (in_range) map_[k] = -1;
    }
    for (int i = 0; i < n; ++i) map_[key(levels_.data() + static_cast<std::size_t>(i) * dims)] = i;
    std::vector<int> d2(static_cast<std::size_t>(n));
    for (std::uint32_t k = 0; k < n_keys; ++k) {
        if (map_[k] != -1) continue;
        for (int j = 0; j < dims; ++j) at[j] = static_cast<std::int8_t>(2 * ((k >> (bits * j)) & ((1u << bits) - 1)) + 1);
        // The n_distances smallest distinct distances, then every point at one of them.
        std::array<int, 4> smallest;
        smallest.fill(INT_MAX);
        for (int i = 0; i < n; ++i) {
            int d = 0;
            const std::int8_t* p = point(i);
            for (int j = 0; j < dims; ++j) d += (p[j] - at[j]) * (p[j] - at[j]);
            d2[i] = d;
            for (int s = 0; s < n_distances; ++s) {
                if (d == smallest[s]) break;
                if (d < smallest[s]) {
                    for (int t = n_distances - 1; t > s; --t) smallest[t] = smallest[t - 1];
                    smallest[s] = d;
                    break;
                }
            }
        }
        int limit = smallest[0];
        for (int s = 0; s < n_distances; ++s)
            if (smallest[s] != INT_MAX) limit = smallest[s];
        near.clear();
        for (int i = 0; i < n; ++i)
            if (d2[i] <= limit) near.emplace_back(d2[i], i);
        std::sort(near.begin(), near.end());
        map_[k] = -static_cast<std::int32_t>(offsets_.size());
        for (const auto& [d, i] : near) lists_.push_back(static_cast<std::uint16_t>(i));
        offsets_.push_back(static_cast<std::uint32_t>(lists_.size()));
        const int count = static_cast<int>(near.size()), stride = (count + 7) / 8 * 8;
        if (stride > kMaxNeighbours) fail("i-quant lattice: a neighbour list of {} points (at most {})", count, kMaxNeighbours);
        level_offsets_.push_back(static_cast<std::uint32_t>(levels_t_.size()));
        for (int j = 0; j < dims; ++j)
            for (int c = 0; c < stride; ++c)
                levels_t_.push_back(levels_[static_cast<std::size_t>(near[std::min(c, count - 1)].second) * dims + j]);
    }
}

IqLattice::Block IqLattice::neighbour_block(int entry) const {
    if (entry >= 0 || entry == INT_MIN) fail("i-quant search: levels looked up as off the grid are on it or out of range");
    const std::size_t list = static_cast<std::size_t>(-entry - 1);
    const int count = static_cast<int>(offsets_[list + 1] - offsets_[list]);
    return {lists_.data() + offsets_[list], levels_t_.data() + level_offsets_[list], count, (count + 7) / 8 * 8};
}

std::span<const std::uint16_t> IqLattice::neighbours_of(int entry) const {
    if (entry >= 0 || entry == INT_MIN) fail("i-quant search: levels looked up as off the grid are on it or out of range");
    const std::size_t list = static_cast<std::size_t>(-entry - 1);
    return {lists_.data() + offsets_[list], offsets_[list + 1] - offsets_[list]};
}

const IqLattice& IqLattice::of(TensorType type) {
    using namespace iq_grids;
    switch (type) {
        case TensorType::IQ2_XXS: {
            static const IqLattice l(8, 2, 2, levels_of(kIq2xxs, kIq2Values, false));
            return l;
        }
        case TensorType::IQ2_XS: {
            static const IqLattice l(8, 2, 2, levels_of(kIq2xs, kIq2Values, false));
            return l;
        }
        case TensorType::IQ2_S: {
            static const IqLattice l(8, 2, 1, levels_of(kIq2s, kIq2Values, false));
            return l;
        }
        case TensorType::IQ1_S: case TensorType::IQ1_M: {
            static const IqLattice l(8, 2, 3, levels_of(kIq1s, kIq1Values, true));
            return l;
        }
        case TensorType::IQ3_XXS: {
            static const IqLattice l(4, 3, 2, levels_of(kIq3xxs, kIq3xxsValues, false));
            return l;
        }
        case TensorType::IQ3_S: {
            static const IqLattice l(4, 3, 3, levels_of(kIq3s, kIq3sValues, false));
            return l;
        }
        default: fail("no i-quant lattice for type {}", type_name(type));
    }
}

}  // namespace qforge
