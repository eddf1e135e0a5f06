#pragma once
// Streams a .safetensors file: header first (padded with spaces to 8 bytes, as safetensors does), then each
// tensor's bytes in declaration order. The file appears only after finish().
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/atomic_file.h"
#include "core/tensor_type.h"
#include "formats/tensor_byte_stream.h"

namespace qforge {

struct SafetensorsEntry {
    std::string name;
    TensorType type = TensorType::F32;
    std::vector<std::int64_t> ne;  // ggml order; written reversed as safetensors' shape
    std::uint64_t nbytes() const;
};

class SafetensorsWriter {
public:
    SafetensorsWriter(const std::string& path, std::vector<SafetensorsEntry> entries,
                      const std::map<std::string, std::string>& metadata = {});
    void write(std::span<const std::uint8_t> bytes);  // bytes of the current tensor, possibly in pieces
    void finish();

private:
    AtomicFile out_;
    std::vector<SafetensorsEntry> entries_;
    std::unique_ptr<TensorByteStream> stream_;
};

}  // namespace qforge
