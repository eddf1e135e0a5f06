#pragma once
// The search structures llama.cpp's i-quant quantizers build from a codebook (iq2xs_init_impl and
// iq3xs_init_impl): each grid point as levels 0..7 per coordinate, a map from a point's levels (the key: 2 or 3
// bits per coordinate) to its grid index, and for every key that is not on the grid the grid points at the few
// smallest squared distances from it, nearest first. The quantizers round a group to levels, look the key up,
// and where it is off the grid pick the best of those neighbours.
#include <cstdint>
#include <span>
#include <vector>

#include "core/tensor_type.h"

namespace qforge {

class IqLattice {
public:
    int dims() const { return dims_; }
    int size() const { return static_cast<int>(levels_.size() / static_cast<std::size_t>(dims_)); }
    // The odd value 2*level + 1 of coordinate j of grid point i, as the searches compare them.
    const std::int8_t* point(int i) const { return odd_.data() + static_cast<std::size_t>(i) * dims_; }
    // Grid index of the levels (each below the key's base), or a negative entry when the point is off the grid.
    int find(const std::int8_t* levels) const { return map_[key(levels)]; }
    // Grid indices nearest to the off-grid levels: those at the n smallest distinct squared distances, ordered
    // by (distance, index).
    std::span<const std::uint16_t> neighbours(const std::int8_t* levels) const { return neighbours_of(find(levels)); }
    // The same from find's negative entry (saves computing the key twice in the searches).
    std::span<const std::uint16_t> neighbours_of(int entry) const;

    // A neighbour list with its points' levels transposed, for scoring eight neighbours at a time:
    // level[i * stride + j] is coordinate i of neighbour j; stride is the count rounded up to 8, the padding
    // repeating the last neighbour (so every lane computes a finite score; only `count` of them are read).
    struct Block {
        const std::uint16_t* index;
        const float* level;
        int count, stride;
    };
    Block neighbour_block(int entry) const;
    // Upper bound of any list's stride (the searches keep their scores on the stack).
    static constexpr int kMaxNeighbours = 512;

    // The lattice of a codebook type (IQ1_S and IQ1_M share one). Built once, on first use, thread-safely.
    static const IqLattice& of(TensorType type);

private:
    IqLattice(int dims, int bits, int n_distances, std::vector<std::int8_t> levels);
    std::uint32_t key(const std::int8_t* levels) const {
        std::uint32_t k = 0;
        for (int j = 0; j < dims_; ++j) k |= static_cast<std::uint32_t>(levels[j]) << (bits_ * j);
        return k;
    }

    int dims_, bits_;
    std::vector<std::int8_t> levels_, odd_;
    std::vector<std::int32_t> map_;  // key -> grid index, or -(offset + 1) into offsets_
    std::vector<std::uint32_t> offsets_;  // start of each off-grid key's list in lists_, plus the end
    std::vector<std::uint16_t> lists_;
    std::vector<std::uint32_t> level_offsets_;  // start of each list's transposed levels in levels_t_
    std::vector<float> levels_t_;
};

}  // namespace qforge
