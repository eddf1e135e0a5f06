#pragma once
// AutoAWQ's GEMV checkpoint tensors for one 4-bit Linear (in_features K, out_features N, group size G), the
// layout of `version: "gemv"` (awq/modules/linear/gemv.py):
//   qweight int32 [N, K / 8]  eight consecutive inputs per word, nibble i holding input 8c + i;
//   qzeros  int32 [N, W]      zero points of the K / G groups, eight per word in the same order, as they are;
//   scales  fp16  [N, 8 W]    one per group, the columns past K / G left zero.
// W = ceil(K / G / 8), rounded up to a multiple of 2 for G = 64 and of 4 for G = 32 (calculate_zeros_width).
#include <cstdint>
#include <vector>

#include "formats/gptq/int_packing.h"

namespace qforge {

struct AwqGemvTensors {
    std::int64_t in = 0, out = 0;
    int group_size = 128;
    std::vector<std::int32_t> qweight, qzeros;
    std::vector<std::uint16_t> scales;
};

// Words of qzeros per output row (W above); group sizes other than 32, 64 and >= 128 are refused, as AutoAWQ does.
std::int64_t awq_gemv_zeros_width(std::int64_t in, int group_size);

AwqGemvTensors pack_awq_gemv(const IntLayer& layer);
IntLayer unpack_awq_gemv(const AwqGemvTensors& tensors);

}  // namespace qforge
