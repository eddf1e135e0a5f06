#pragma once
// The whole of a text file the user named (-f), or an error naming it.
#include <string>

namespace qforge::cli {

std::string read_text_file(const std::string& path);

}  // namespace qforge::cli
