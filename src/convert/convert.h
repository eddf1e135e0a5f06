#pragma once
// `qforge convert`: any supported input (Hugging Face directory, llama2.c checkpoint, GGUF) to a GGUF file, or
// to a Hugging Face checkpoint directory (gguf_to_hf; other inputs go through a scratch F32 GGUF).
#include <cstdint>
#include <string>

#include "convert/convert_options.h"
#include "convert/ctranslate2_export.h"
#include "convert/gguf_to_hf.h"
#include "convert/hf_to_gguf.h"

namespace qforge {

struct ConvertSummary {
    std::string input_kind;
    std::size_t tensors = 0;
    std::uint64_t parameters = 0;
    std::uint64_t bytes = 0;
    std::vector<ImportedLinear> imported;  // a GPTQ/AWQ checkpoint's quantized layers
};

ConvertSummary convert_to_gguf(const std::string& src, const std::string& out, const ConvertOptions& options);

HfExportSummary convert_to_hf(const std::string& src, const std::string& out_dir, const HfExportOptions& options);
// Any model qforge reads to a CTranslate2 decoder directory (ctranslate2_export; other inputs through a scratch F32 GGUF).
Ct2ExportSummary convert_to_ctranslate2(const std::string& src, const std::string& out_dir, const Ct2ExportOptions& options);

}  // namespace qforge
