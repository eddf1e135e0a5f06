#pragma once
// AutoAWQ's GEMM checkpoint tensors for one 4-bit Linear (in_features K, out_features N, group size G):
//   qweight int32 [K, N / 8]  eight outputs per word, nibble i holding output 8c + [0,2,4,6,1,3,5,7][i];
//   qzeros  int32 [K / G, N / 8]  zero points, the same interleave, stored as they are;
//   scales  fp16  [K / G, N].  Groups are contiguous runs of G input columns (no g_idx).
#include <cstdint>
#include <vector>

#include "formats/gptq/int_packing.h"

namespace qforge {

struct AwqTensors {
    std::int64_t in = 0, out = 0;
    int group_size = 128;
    std::vector<std::int32_t> qweight, qzeros;
    std::vector<std::uint16_t> scales;
};

AwqTensors pack_awq_gemm(const IntLayer& layer);
IntLayer unpack_awq_gemm(const AwqTensors& tensors);

}  // namespace qforge
