#pragma once
// Streams a GGUF v3 file: the header and tensor infos first, then each tensor's bytes in declaration order,
// each padded to the alignment. Only the tensor being written needs to be in memory. The output appears at its
// path only after finish(); an error or interruption leaves nothing there.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/atomic_file.h"
#include "core/tensor_type.h"
#include "formats/gguf/gguf_metadata.h"
#include "formats/tensor_byte_stream.h"

namespace qforge {

struct GgufTensorInfo {
    std::string name;
    TensorType type = TensorType::F32;
    std::vector<std::int64_t> ne;
    std::uint64_t nbytes() const;
};

class GgufWriter {
public:
    // Validates names, shapes and types the way llama.cpp's reader will, then writes the header.
    GgufWriter(const std::string& path, const GgufMetadata& metadata, std::vector<GgufTensorInfo> tensors);

    // Appends bytes of the current tensor; a tensor is complete (and padded) when all its bytes arrived.
    void write(std::span<const std::uint8_t> bytes);
    std::size_t current_tensor() const { return stream_.current(); }
    const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }
    void finish();

private:
    static std::vector<std::uint64_t> sizes_of(const std::vector<GgufTensorInfo>& tensors);
    void write_metadata(const GgufMetadata& metadata);
    void write_string(const std::string& s);
    void write_value(const GgufValue& value);

    AtomicFile out_;
    std::vector<GgufTensorInfo> tensors_;
    std::uint32_t alignment_;
    TensorByteStream stream_;
};

}  // namespace qforge
