#pragma once
// IQ4_NL / IQ4_XS's scale trials with 16 scales in the lanes of an AVX-512 register (iq4.cpp runs them where
// the CPU has AVX-512; avx512/iq4_search_avx512.cpp). Every lane does the scalar loop's float operations on its
// own inverse scale, so the sums, and the decisions iq4.cpp takes from them in the loop's order, are the same.
#include <cstdint>

namespace qforge::iq4 {

// For each of the 16 inverse scales ids[t]: over the 32 values x (weights w), with q the IQ4 value nearest
// ids[t] * x[j] (llama.cpp's best_index_iq4nl), the sums of w q x and w q q.
void trial_sums_avx512(const float* x, const float* w, const float* ids, float* sumqx, float* sumq2);
// L[j] = index of the IQ4 value nearest scale * x[j], for n (a multiple of 16) values.
void nearest_levels_avx512(const float* x, float scale, int n, std::uint8_t* L);

}  // namespace qforge::iq4
