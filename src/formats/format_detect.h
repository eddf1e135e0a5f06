#pragma once
// Tells which format a path holds, from magic bytes and directory contents (never from the extension alone).
#include <string>
#include <string_view>

namespace qforge {

// Ctranslate2Directory: model.bin in a directory (also holding config.json, so checked first).
enum class InputKind { Gguf, Safetensors, HfDirectory, Ctranslate2Directory, Llama2c, Unknown };

InputKind detect_input_kind(const std::string& path);
std::string_view input_kind_name(InputKind kind);

}  // namespace qforge
