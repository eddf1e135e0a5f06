#pragma once
// A GGUF file (v2 or v3) opened by mmap and checked against every rule of llama.cpp's reader.
// Tensor views point into the mapping; nothing is copied.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/mapped_file.h"
#include "core/tensor_view.h"
#include "formats/gguf/gguf_metadata.h"

namespace qforge {

class GgufFile : public TensorSource {
public:
    explicit GgufFile(const std::string& path);

    const std::string& path() const { return file_->path(); }
    std::uint32_t version() const { return version_; }
    std::uint32_t alignment() const { return alignment_; }
    std::uint64_t data_offset() const { return data_offset_; }
    std::uint64_t file_size() const { return file_->size(); }
    const GgufMetadata& metadata() const { return metadata_; }
    const std::vector<TensorView>& tensors() const override { return tensors_; }
    // Offset of each tensor relative to the start of the data section, in declaration order.
    const std::vector<std::uint64_t>& tensor_offsets() const { return offsets_; }

private:
    std::shared_ptr<MappedFile> file_;
    std::uint32_t version_ = 0;
    std::uint32_t alignment_ = 0;
    std::uint64_t data_offset_ = 0;
    GgufMetadata metadata_;
    std::vector<TensorView> tensors_;
    std::vector<std::uint64_t> offsets_;
};

}  // namespace qforge
