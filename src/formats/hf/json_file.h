#pragma once
// Reads a JSON file, turning I/O and syntax errors into one-line errors that name the file.
#include <string>

#include <nlohmann/json.hpp>

namespace qforge {

nlohmann::json read_json_file(const std::string& path);

}  // namespace qforge
