#pragma once
// A GGUF tensor's values as a Hugging Face checkpoint stores them: converted (or dequantized) to the entry's
// float type, Q/K rows back in Hugging Face's order, an offset added (Gemma's norms: w of the stored 1 + w).
// Shared by the float export (gguf_to_hf) and the GPTQ/AWQ export's float tensors (int_checkpoint_export).
#include <cstdint>
#include <vector>

#include "formats/safetensors/safetensors_writer.h"

namespace qforge {

// in: entry's elements in `type` (any GGUF type, whole rows of entry.ne[0]); heads > 0: rows un-permuted over
// that many heads (a 1-D tensor, a bias, has one element a row).
std::vector<std::uint8_t> hf_tensor_bytes(TensorType type, const std::uint8_t* in, const SafetensorsEntry& entry, std::int64_t heads,
                                          float offset = 0.0f);

}  // namespace qforge
