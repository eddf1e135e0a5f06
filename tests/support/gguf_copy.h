#pragma once
// Writes a parsed GGUF back out unchanged (same metadata, tensor infos and bytes).
#include <string>

#include "formats/gguf/gguf_file.h"

namespace qforge::test {

void copy_gguf(const GgufFile& in, const std::string& out_path);

}  // namespace qforge::test
