#pragma once
// A named, typed view of tensor bytes that live elsewhere (usually a mapped file).
// Shapes are in ggml order: ne[0] is the contiguous dimension (a PyTorch [out, in] weight has ne = {in, out}).
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/tensor_type.h"

namespace qforge {

struct TensorView {
    std::string name;
    TensorType type = TensorType::F32;
    std::vector<std::int64_t> ne;
    std::span<const std::uint8_t> data;

    std::int64_t n_elements() const {
        std::int64_t n = 1;
        for (auto d : ne) n *= d;
        return n;
    }
    std::int64_t n_rows() const { return ne.empty() ? 1 : n_elements() / ne[0]; }
};

// Anything that offers tensors by name: a GGUF file, a safetensors file, a sharded checkpoint.
class TensorSource {
public:
    virtual ~TensorSource() = default;
    virtual const std::vector<TensorView>& tensors() const = 0;
    // nullptr when absent.
    const TensorView* find(const std::string& name) const {
        for (const auto& t : tensors())
            if (t.name == name) return &t;
        return nullptr;
    }
};

std::string shape_string(const std::vector<std::int64_t>& ne);

}  // namespace qforge
