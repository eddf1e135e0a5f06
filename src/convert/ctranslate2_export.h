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
#include "formats/hf/hf_checkpoint.h"

namespace qforge {

struct Ct2ExportOptions {
    // int8 (int8_float32), int8_float16, int8_bfloat16, float16, bfloat16 or float32
    std::string quantization = "int8_float16";
    bool progress = true;
};

struct Ct2ExportSummary {
    std::size_t variables = 0, aliases = 0;
    std::uint64_t bytes = 0, parameters = 0, dequantized = 0;
    std::string weights;  // "int8_float16", or the AWQ checkpoint's grid ("AWQ GEMM INT4 g128")
};

// awq: an AutoAWQ checkpoint (GEMM or GEMV, 4-bit) whose linears are written as CTranslate2's AWQ weights, as its
// converter does (qweight int32, scales float16, qzeros int32 under weight, weight_scale, weight_zero; q, k and v
// concatenated on the output axis: 1 for GEMM's [in, out / 8], 0 for GEMV), config.json's quantization_type (1
// GEMM, 2 GEMV), _bits and _group_size, the other floats float16; `gguf` (the checkpoint converted) gives the rest.
Ct2ExportSummary export_gguf_to_ctranslate2(const GgufFile& gguf, const std::string& dir, const Ct2ExportOptions& options,
                                            const HfCheckpoint* awq = nullptr);

// Row-wise int8 as CTranslate2's converter computes it: scale = 127 / max |w| (127 for a zero row), q = rint(w * scale).
void ct2_quantize_row_int8(const float* w, std::int64_t n, std::int8_t* q, float* scale);

}  // namespace qforge
