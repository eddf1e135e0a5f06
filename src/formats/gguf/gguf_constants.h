#pragma once
// Limits and defaults of ggml's GGUF implementation that files must respect to load in llama.cpp.
#include <cstdint>

namespace qforge::gguf {

constexpr std::uint32_t kMagic = 0x46554747;  // "GGUF" read as little-endian uint32
constexpr std::uint32_t kVersion = 3;
constexpr std::uint32_t kDefaultAlignment = 32;
constexpr std::uint64_t kMaxNameLength = 63;  // GGML_MAX_NAME is 64 including the NUL
constexpr std::uint32_t kMaxDims = 4;
constexpr const char* kAlignmentKey = "general.alignment";

inline std::uint64_t pad_to(std::uint64_t offset, std::uint64_t alignment) {
    return offset + (alignment - offset % alignment) % alignment;
}

}  // namespace qforge::gguf
