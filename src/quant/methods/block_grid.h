#pragma once
// The values one GGUF block can represent once its scales are fixed: GPTQ fixes a block's scales when its sweep
// reaches the block's first column, then rounds the columns one at a time onto that grid with error feedback,
// and finally packs the levels it chose into the standard block. Every type with a fixed-scale affine or
// codebook grid takes part: Q4_0 Q4_1 Q5_0 Q5_1 Q8_0 IQ4_NL (32 columns) and Q2_K Q3_K Q4_K Q5_K Q6_K IQ4_XS (256),
// element by element; IQ2_XXS IQ2_XS IQ2_S IQ3_XXS IQ3_S IQ1_S IQ1_M (256) in groups of 8 columns, each group
// one or two codebook points (CodebookGrid) chosen when the sweep reaches the group's first column.
#include <cstddef>
#include <cstdint>
#include <optional>

#include "core/tensor_type.h"
#include "quant/methods/codebook_grid.h"

namespace qforge {

// Element value for level q (0..qmax): a * (q - zero) + b, or a * codebook[q] for IQ4_NL and IQ4_XS; computed the way
// ggml's dequantizer computes it, so the values are exactly what the file decodes to.
struct ElementGrid {
    float a = 0, b = 0;
    std::int16_t zero = 0, qmax = 0;
    const std::int8_t* codebook = nullptr;
};

int nearest_level(const ElementGrid& g, float w);
float level_value(const ElementGrid& g, int q);

class BlockGrid {
public:
    static bool supports(TensorType type);
    explicit BlockGrid(TensorType type);  // fails for a type supports() refuses

    TensorType type() const { return type_; }
    int block_columns() const { return columns_; }
    // Columns rounded together: 1 (each element on its own ElementGrid) or CodebookGrid::kGroupColumns.
    int group_columns() const { return codebook_ ? CodebookGrid::kGroupColumns : 1; }
    std::size_t block_bytes() const { return bytes_; }

    // Chooses the block's scales for the values x (block_columns of them) as llama.cpp's quantizer does, with
    // importance (per column, may be null) where the type has an imatrix search; writes the block and the
    // grid of each of its elements (codebook types: grids is not written).
    void fix(const float* x, const float* importance, std::uint8_t* block, ElementGrid* grids) const;
    // Element grids: writes levels (one per element, 0..qmax) into a block whose scales fix() set.
    void pack(const std::uint8_t* levels, std::uint8_t* block) const;
    // Codebook types: rounds the group of columns first..first+7 of a fixed block (CodebookGrid::round_group).
    void round_group(std::uint8_t* block, int first, const float* x, const float* weight, const float* metric, float* values) const;

private:
    TensorType type_;
    int columns_;
    std::size_t bytes_;
    std::optional<CodebookGrid> codebook_;
};

}  // namespace qforge
