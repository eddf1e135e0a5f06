#pragma once
// The shape of a llama-family model as `qforge advise` needs it: its weight tensors (names and shapes in GGUF
// terms, so llama.cpp's mix rules can be applied to them) and what sizes the KV cache. Taken from a real model
// (GGUF file or Hugging Face checkpoint), or assumed from a parameter count by the nearest well-known Llama
// shape, with the user's overrides.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/tensor_type.h"

namespace qforge {

struct ShapeTensor {
    std::string name;
    std::vector<std::int64_t> ne;
    TensorType type = TensorType::F16;  // as stored (real models), F16 for assumed ones
};

struct ModelShape {
    std::string source;      // the model path, or "assumed: Llama-3 70B shape" and the like
    bool assumed = false;
    std::uint64_t parameters = 0;
    std::int64_t layers = 0, hidden = 0, heads = 0, kv_heads = 0, head_dim = 0, ff = 0, vocab = 0;
    std::vector<ShapeTensor> tensors;
};

struct ShapeOverrides {
    std::optional<std::int64_t> layers, hidden, kv_heads;
};

// "70B", "8b", "1.5B", "350M", "6800000": a parameter count.
std::uint64_t parse_parameter_count(const std::string& text);
ModelShape shape_from_parameters(std::uint64_t parameters, const ShapeOverrides& overrides);
ModelShape shape_from_model(const std::string& path);

}  // namespace qforge
