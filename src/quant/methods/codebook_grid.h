#pragma once
// The values a codebook ("i-quant") block can represent once its scales are fixed, for GPTQ: IQ2_XXS IQ2_XS
// IQ2_S IQ3_XXS IQ3_S IQ1_S IQ1_M. Their weights are not rounded one at a time but eight at once: a group of 8
// columns is one codebook point (IQ2, IQ1) or two (IQ3, 4 coordinates each) with its signs (IQ1: its shift),
// under the scale of its sub-block. round_group scores every codebook point by the weighted squared error of
// the group's current values (the sign parity the XXS/XS types store met by flipping the cheapest coordinate),
// keeps the best few, and takes the one whose loss under the group's metric is least; it writes the choice into
// the block and returns what the block decodes to there.
#include <cstdint>

#include "core/tensor_type.h"

namespace qforge {

class CodebookGrid {
public:
    static constexpr int kGroupColumns = 8;

    static bool supports(TensorType type);
    explicit CodebookGrid(TensorType type);  // fails for a type supports() refuses

    // Writes the 256-column block for x as the type's quantizer does (importance per column, may be null where
    // the type allows it), an IQ2 block's super-block scale then widened by 6% for GPTQ; these scales (and
    // IQ1_S's shifts) are what round_group keeps.
    void fix(const float* x, const float* importance, std::uint8_t* block) const;
    // Group `group` (0..31) of a fixed block for the values x (8 of them). weight: 8 non-negative per-column
    // weights the points are ranked by; metric: null (the loss is the weighted squared error) or an 8 x 8 lower
    // triangular L, row-major, the loss of values q being |L (x - q)|^2. Writes the choice into the block;
    // values receives what the block now decodes to there.
    void round_group(std::uint8_t* block, int group, const float* x, const float* weight, const float* metric, float* values) const;

private:
    TensorType type_;
};

}  // namespace qforge
