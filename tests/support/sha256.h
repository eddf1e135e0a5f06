#pragma once
// SHA-256 of a file as `sha256sum` prints it (lowercase hex), so tests can hold our output to a reference file
// that is not stored here: the reference tool's output is hashed once, the hash goes into the test.
#include <cstdint>
#include <span>
#include <string>

namespace qforge::test {

std::string sha256_file(const std::string& path);
std::string sha256_bytes(std::span<const std::uint8_t> bytes);

}  // namespace qforge::test
