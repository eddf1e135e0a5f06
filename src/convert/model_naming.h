#pragma once
// general.name and general.size_label the way gguf-py derives them when a checkpoint carries no metadata:
// the directory name title-cased ("pydoc6m" -> "Pydoc6M") and the parameter count with two significant
// digits ("6.8M", "8.0B").
#include <cstdint>
#include <string>

namespace qforge {

std::string model_name_from_path(const std::string& path);
std::string size_label(std::uint64_t parameters);

}  // namespace qforge
