#pragma once
// llama.cpp's legacy imatrix layout (llama-imatrix before its GGUF format; still what llama-quantize at
// c392e509 reads): int32 entry count; per entry int32 name length, the name, int32 ncall, int32 value count,
// float values scaled so that value / ncall is the mean; then optionally int32 chunk count, int32 dataset
// name length and the dataset name. All little-endian.
#include <cstdint>
#include <span>
#include <string>

#include "formats/imatrix/imatrix_data.h"

namespace qforge {

Imatrix parse_imatrix_dat(std::span<const std::uint8_t> bytes, const std::string& path);
void write_imatrix_dat(const std::string& path, const Imatrix& imatrix);

}  // namespace qforge
