#pragma once
// The data section of a streaming writer: tensors arrive in declaration order, possibly in pieces; each is
// padded to `alignment` once complete (alignment 1: no padding). Shared by the GGUF and safetensors writers.
#include <cstdint>
#include <span>
#include <vector>

#include "core/atomic_file.h"

namespace qforge {

class TensorByteStream {
public:
    TensorByteStream(AtomicFile& out, std::vector<std::uint64_t> sizes, std::uint64_t alignment);
    void write(std::span<const std::uint8_t> bytes);
    std::size_t current() const { return current_; }
    // Throws unless every tensor was written in full.
    void check_complete();

private:
    void skip_empty();
    AtomicFile& out_;
    std::vector<std::uint64_t> sizes_;
    std::uint64_t alignment_;
    std::size_t current_ = 0;
    std::uint64_t written_in_current_ = 0;
};

}  // namespace qforge
