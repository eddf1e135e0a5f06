#include "formats/format_detect.h"

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "formats/hf/hf_checkpoint.h"
#include "formats/llama2c/llama2c_checkpoint.h"

namespace qforge {
namespace fs = std::filesystem;

InputKind detect_input_kind(const std::string& path) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
        if (fs::exists(fs::path(path) / "model.bin", ec)) return InputKind::Ctranslate2Directory;
        return HfCheckpoint::looks_like_checkpoint(path) ? InputKind::HfDirectory : InputKind::Unknown;
    }
    if (!fs::exists(path, ec)) fail("{}: no such file or directory", path);
    std::ifstream in(path, std::ios::binary);
    if (!in) fail("{}: cannot open", path);
    char head[9] = {};
    in.read(head, 9);
    const auto got = in.gcount();
    if (got >= 4 && std::memcmp(head, "GGUF", 4) == 0) return InputKind::Gguf;
    if (got >= 9 && head[8] == '{') return InputKind::Safetensors;  // 8-byte header length, then a JSON object
    if (Llama2cCheckpoint::sniff(path)) return InputKind::Llama2c;
    return InputKind::Unknown;
}

std::string_view input_kind_name(InputKind kind) {
    switch (kind) {
        case InputKind::Gguf: return "GGUF";
        case InputKind::Safetensors: return "safetensors";
        case InputKind::HfDirectory: return "Hugging Face checkpoint";
        case InputKind::Ctranslate2Directory: return "CTranslate2 model";
        case InputKind::Llama2c: return "llama2.c checkpoint";
        case InputKind::Unknown: break;
    }
    return "unknown";
}

}  // namespace qforge
