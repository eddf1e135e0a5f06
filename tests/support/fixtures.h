#pragma once
// Locates ../shared/fixtures (or $QFORGE_SHARED/fixtures). A missing fixture fails the test loudly.
#include <string>

namespace qforge::test {

std::string shared_dir();
// Full path of a file under fixtures/, failing the calling test's process if it does not exist.
std::string fixture(const std::string& relative);
std::string read_file_bytes(const std::string& path);

}  // namespace qforge::test
