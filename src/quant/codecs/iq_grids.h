#pragma once
// ggml's IQ codebooks (see iq_grids.cpp). Each IQ2/IQ1 entry packs 8 grid values in its bytes (IQ1's as signed
// bytes), each IQ3 entry 4.
#include <cstdint>

namespace qforge::iq_grids {

extern const std::uint64_t kIq2xxs[256];
extern const std::uint64_t kIq2xs[512];
extern const std::uint64_t kIq2s[1024];
extern const std::uint32_t kIq3xxs[256];
extern const std::uint32_t kIq3s[512];
extern const std::uint64_t kIq1s[2048];

}  // namespace qforge::iq_grids
