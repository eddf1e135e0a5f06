#pragma once
// `qforge convert MODEL OUT_DIR --format ctranslate2 --quantization Q`: a decoder CTranslate2 loads
// (TransformerDecoderModelSpec, as its Transformers converter writes Llama, Mistral and Qwen2): model.bin
// (formats/ctranslate2/ct2_model_bin), config.json with the special tokens and the norm epsilon, vocabulary.json,
// and the tokenizer files beside them (as the converter's --copy_files), so transformers' tokenizers load the
// directory too. Variables under CTranslate2's names: Q, K and V concatenated in Hugging Face's row order (its
// RoPE is not interleaved), the feed-forward gate as linear_0 and up as linear_0_noact, RMSNorm as gamma alone.
// Quantization as its converter does it: int8 rows with a float32 scale per row (127 / max |w|, values rounded
// half to even) for the embeddings and every linear; the other floats in float32, float16 or bfloat16.
#include <cstdint>
#include <string>

#include "formats/gguf/gguf_file.h"

namespace qforge {

struct Ct2ExportOptions {
    // int8 (int8_float32), int8_float16, int8_bfloat16, float16, bfloat16 or float32
    std::string quantization = "int8_float16";
    bool progress = true;
};

struct Ct2ExportSummary {
    std::size_t variables = 0, aliases = 0;
    std::uint64_t bytes = 0, parameters = 0, dequantized = 0;
};

Ct2ExportSummary export_gguf_to_ctranslate2(const GgufFile& gguf, const std::string& dir, const Ct2ExportOptions& options);

// Row-wise int8 as CTranslate2's converter computes it: scale = 127 / max |w| (127 for a zero row), q = rint(w * scale).
void ct2_quantize_row_int8(const float* w, std::int64_t n, std::int8_t* q, float* scale);

}  // namespace qforge
