#pragma once
// `qforge convert`: any supported input (Hugging Face directory, llama2.c checkpoint, GGUF) to a GGUF file.
#include <cstdint>
#include <string>

#include "convert/convert_options.h"
#include "convert/hf_to_gguf.h"
#include <vector>

namespace qforge {

struct ConvertSummary {
    std::string input_kind;
    std::size_t tensors = 0;
    std::uint64_t parameters = 0;
    std::uint64_t bytes = 0;
    std::vector<ImportedLinear> imported;  // a GPTQ/AWQ checkpoint's quantized layers
};

ConvertSummary convert_to_gguf(const std::string& src, const std::string& out, const ConvertOptions& options);

}  // namespace qforge
