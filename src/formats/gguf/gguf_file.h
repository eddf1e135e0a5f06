#pragma once
// A GGUF file (v2 or v3) opened by mmap and checked against every rule of llama.cpp's reader.
// Tensor views point into the mapping; nothing is copied. A model sharded as gguf-split writes it is opened by
// its first shard: the others are found by name (PREFIX-0000i-of-0000n.gguf) and checked as llama.cpp's loader
// does, their tensors follow the first shard's, and the metadata is the first shard's (split.* keys included).
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
    // Only the file at path, even where it is one shard of several.
    struct SingleShard {};
    GgufFile(const std::string& path, SingleShard);

    const std::string& path() const { return file_->path(); }
    std::uint32_t version() const { return version_; }
    std::uint32_t alignment() const { return alignment_; }
    std::uint64_t data_offset() const { return data_offset_; }
    std::uint64_t file_size() const;  // all shards together
    int shard_count() const { return static_cast<int>(shards_.size()) + 1; }
    // Shard (0-based) that holds tensors()[i].
    int shard_of(std::size_t i) const { return shard_of_.empty() ? 0 : shard_of_[i]; }
    const GgufMetadata& metadata() const { return metadata_; }
    const std::vector<TensorView>& tensors() const override { return tensors_; }
    // Offset of each tensor relative to the start of its shard's data section, in declaration order.
    const std::vector<std::uint64_t>& tensor_offsets() const { return offsets_; }

private:
    void open_other_shards();

    std::shared_ptr<MappedFile> file_;
    std::vector<std::shared_ptr<MappedFile>> shards_;  // the second shard onwards
    std::vector<std::uint16_t> shard_of_;              // empty for a single file
    std::uint32_t version_ = 0;
    std::uint32_t alignment_ = 0;
    std::uint64_t data_offset_ = 0;
    GgufMetadata metadata_;
    std::vector<TensorView> tensors_;
    std::vector<std::uint64_t> offsets_;
};

}  // namespace qforge
