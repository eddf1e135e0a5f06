#pragma once
// AutoGPTQ's checkpoint tensors for one quantized Linear (in_features K, out_features N, group size G):
//   qweight int32 [K * bits / 32, N]  levels packed along the input dimension, LSB first (3-bit values straddle
//                                     words), one column per output;
//   qzeros  int32 [K / G, N * bits / 32]  zero points packed along the output dimension, stored minus one
//                                     (the "v1" convention every AutoGPTQ loader undoes; v2 stores them as is);
//   scales  fp16  [K / G, N];  g_idx int32 [K] (the group of each input row; act-order makes it non-monotonic).
#include <cstdint>
#include <vector>

#include "formats/gptq/int_packing.h"

namespace qforge {

struct GptqTensors {
    std::int64_t in = 0, out = 0;
    int bits = 4, group_size = 128;
    std::vector<std::int32_t> qweight, qzeros, g_idx;
    std::vector<std::uint16_t> scales;
};

// v1: zeros stored minus one (wrapping like AutoGPTQ's uint arithmetic); v2: stored as they are.
GptqTensors pack_gptq(const IntLayer& layer, bool v1_zeros = true);
IntLayer unpack_gptq(const GptqTensors& tensors, bool v1_zeros = true);

}  // namespace qforge
