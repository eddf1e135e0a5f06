#pragma once
// e^x as ggml's vectorised expf computes it in each lane (ggml-cpu's ggml_v_expf, the AVX2/AVX-512/NEON
// algorithm: x = n ln2 + b with n rounded by the 1.5 * 2^23 trick, a degree-5 polynomial in b, scaled by
// 2^n through the exponent bits; |n| > 126 takes the two-factor scaling, |n| > 192 saturates to 0 or inf).
// Written lane by lane with fused multiply-adds, so it gives the vector code's bits on any CPU: llama.cpp's
// softmax and SiLU use it for every whole group of lanes.
#include <bit>
#include <cmath>
#include <cstdint>

namespace qforge {

inline float exp_ggml(float x) {
    const float r = 0x1.8p23f;
    const float z = std::fma(x, 0x1.715476p+0f, r);
    const float n = z - r;
    const float b = std::fma(-n, 0x1.7f7d1cp-20f, std::fma(-n, 0x1.62e4p-1f, x));
    const std::uint32_t e = std::bit_cast<std::uint32_t>(z) << 23;
    const float k = std::bit_cast<float>(e + std::bit_cast<std::uint32_t>(1.0f));
    const float u = b * b;
    const float j = std::fma(std::fma(std::fma(0x1.0e4020p-7f, b, 0x1.573e2ep-5f), u, std::fma(0x1.555e66p-3f, b, 0x1.fffdb6p-2f)), u,
                             0x1.ffffecp-1f * b);
    if (!(std::fabs(n) > 126.0f)) return std::fma(j, k, k);
    const std::uint32_t g = n <= 0.0f ? 0x82000000u : 0u;
    const float s1 = std::bit_cast<float>(g + 0x7f000000u);
    if (std::fabs(n) > 192.0f) return s1 * s1;
    const float s2 = std::bit_cast<float>(e - g);
    return std::fma(s2, j, s2) * s1;
}

}  // namespace qforge
