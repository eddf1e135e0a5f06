#pragma once
// Eight float lanes, summed as llama.cpp's AVX2 build sums a __m256 (tinyBLAS's hsum, ggml's hsum_float_8):
// (hi + lo) lane by lane, then (0 + 2) + (1 + 3). The scalar references that accumulate in eight lanes
// (softmax, attention's products) end with it, so they give the AVX2 code's bits.

namespace qforge {

inline constexpr int kLanes8 = 8;

inline float sum_lanes8(const float (&v)[kLanes8]) {
    float h[4];
    for (int i = 0; i < 4; ++i) h[i] = v[i + 4] + v[i];
    return (h[0] + h[2]) + (h[1] + h[3]);
}

}  // namespace qforge
