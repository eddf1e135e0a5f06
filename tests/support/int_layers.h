#pragma once
// Random INTn layers (levels, fp16 scales, zero points 1..2^bits-1 so AutoGPTQ's v1 layout holds them) for
// checkpoint layout tests.
#include <cstdint>

#include "formats/gptq/int_packing.h"

namespace qforge::test {

IntLayer random_int_layer(int bits, std::int64_t in, std::int64_t out, int group, bool act_order, unsigned seed);

}  // namespace qforge::test
