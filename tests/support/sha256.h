#pragma once
// SHA-256 of a file as `sha256sum` prints it (lowercase hex), so tests can hold our output to a reference file
// that is not stored here: the reference tool's output is hashed once, the hash goes into the test.
#include <string>

namespace qforge::test {

std::string sha256_file(const std::string& path);

}  // namespace qforge::test
