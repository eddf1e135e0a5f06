#pragma once
// Rounding as ggml's quantizers do it: adding 1.5 * 2^23 makes the FPU round to nearest, ties to even, and the
// integer is read from the mantissa. Valid for |f| <= 4194303.
#include <cstdint>
#include <cstring>

namespace qforge {

inline int nearest_int(float f) {
    const float v = f + 12582912.f;
    std::int32_t i;
    std::memcpy(&i, &v, sizeof(i));
    return (i & 0x007fffff) - 0x00400000;
}

// Smallest absolute value a group may have and still be quantized (below it, the group is all zeros).
constexpr float kGroupMaxEps = 1e-15f;

}  // namespace qforge
