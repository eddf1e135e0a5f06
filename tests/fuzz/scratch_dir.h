#pragma once
// A per-process scratch directory for fuzz targets whose readers take a checkpoint directory.
#include <cstddef>
#include <cstdint>
#include <string>

namespace qforge::fuzz {

// Creates the directory on first use; files written there are overwritten by the next input.
const std::string& scratch_dir();
void write_file(const std::string& path, const std::uint8_t* data, std::size_t size);

}  // namespace qforge::fuzz
