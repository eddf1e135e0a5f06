#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "core/tensor_type.h"

namespace qforge {

struct ConvertOptions {
    TensorType outtype = TensorType::F16;      // F32, F16 or BF16 for matrices; vectors stay F32
    std::optional<std::string> vocab_path;     // llama2.c tokenizer file (default: found beside the model)
    std::optional<std::string> tokenizer_pre;  // override the recognised BPE pre-tokenizer name
    bool progress = true;
    // GPTQ/AWQ checkpoints: dequantize every quantized layer into outtype, even where its grid is a GGUF type
    // (for requantizing it)
    bool dequantize_all = false;
};

// llama_ftype value for general.file_type of an all-`outtype` file.
std::uint32_t file_type_for(TensorType outtype);
// Output type of one tensor: vectors and norms stay F32, matrices take outtype.
TensorType output_type_for(const std::string& gguf_name, std::size_t n_dims, TensorType outtype);

}  // namespace qforge
