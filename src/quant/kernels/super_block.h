#pragma once
// One 256-weight super-block of any k-quant type (Q2_K..Q6_K, IQ4_XS, which shares the layout of sub-block
// scales, and the codebook types IQ2/IQ3/IQ1, see super_block_iq.h) in a single integer form: weight
// e = d * scale[e/16] * q[e] - dmin * min[e/16]. The dot products with Q8_K activations are then integer sums
// per 16 weights and two float multiplies per super-block, the same arithmetic in the scalar reference and the
// SIMD paths.
#include <cstdint>

#include "core/tensor_type.h"
#include "quant/codecs/kquants.h"

namespace qforge {

struct SuperBlock {
    alignas(32) std::int8_t q[256];
    std::int16_t scale[16];
    std::int16_t min[16];  // zero for the types without a minimum
    float d, dmin;
};

bool is_super_block_type(TensorType weight);
// Super-block i of a row of weight type `weight`.
void unpack_super_block(TensorType weight, const void* row, std::int64_t i, SuperBlock& out);
// Only its scales, minimums, d and dmin (for SIMD unpackers that fill q themselves).
void unpack_super_block_scales(TensorType weight, const void* row, std::int64_t i, SuperBlock& out);

// The super-block's contribution given its integer sums: isum = sum over groups of scale * (q . a),
// imin = sum of min * bsums. Every path finishes with this expression, so their results agree exactly.
inline float super_block_sum(const SuperBlock& s, const BlockQ8_K& a, int isum, int imin) {
    return (s.d * a.d) * static_cast<float>(isum) - (s.dmin * a.d) * static_cast<float>(imin);
}

}  // namespace qforge
