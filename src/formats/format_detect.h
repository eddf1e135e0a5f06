#pragma once
// Tells which format a path holds, from magic bytes and directory contents (never from the extension alone).
#include <string>
#include <string_view>

namespace qforge {

enum class InputKind { Gguf, Safetensors, HfDirectory, Llama2c, Unknown };

InputKind detect_input_kind(const std::string& path);
std::string_view input_kind_name(InputKind kind);

}  // namespace qforge
