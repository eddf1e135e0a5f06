#pragma once
// Which tensors llama-quantize converts at all (2-D or larger weights that are not norms, gates of experts,
// position embeddings and similar), and the ftype ids it writes as general.file_type.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "core/tensor_type.h"

namespace qforge {

bool is_quantizable_tensor(const std::string& name, std::size_t n_dims, bool quantize_output);

// llama_ftype of a file whose tensors are mostly `type` (F32 0, F16 1, Q4_0 2, ..., BF16 32).
std::optional<std::uint32_t> llama_ftype_for(TensorType type);

}  // namespace qforge
