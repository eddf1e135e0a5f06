#pragma once
// The weights of a checkpoint directory as transformers' save_pretrained lays them out: one model.safetensors,
// or runs of whole tensors of at most max_shard_bytes each (a larger tensor alone in its shard) in
// model-0000i-of-0000N.safetensors with model.safetensors.index.json. Tensors are streamed in the order given.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "formats/hf/hf_directory_writer.h"
#include "formats/safetensors/safetensors_writer.h"

namespace qforge {

class ShardedSafetensorsWriter {
public:
    // max_shard_bytes 0: one file. metadata: each file's __metadata__ (transformers: format pt; mlx-lm: format
    // mlx); always_index: the index even for one file (mlx-lm writes it so).
    ShardedSafetensorsWriter(HfDirectoryWriter& dir, std::vector<SafetensorsEntry> entries, std::uint64_t max_shard_bytes,
                             std::map<std::string, std::string> metadata = {{"format", "pt"}}, bool always_index = false);
    // The bytes of the next tensor, whole.
    void write(std::span<const std::uint8_t> bytes);
    // Closes the last shard and writes the index (several shards).
    void finish();

    std::size_t shards() const { return shards_.size(); }
    std::uint64_t bytes() const { return total_; }

private:
    void open_shard(std::size_t s);

    HfDirectoryWriter& dir_;
    std::vector<SafetensorsEntry> entries_;
    std::vector<std::pair<std::size_t, std::size_t>> shards_;  // [begin, end) of entries_
    std::unique_ptr<SafetensorsWriter> current_;
    std::map<std::string, std::string> metadata_;
    bool always_index_ = false;
    std::size_t next_ = 0, shard_ = 0;
    std::uint64_t total_ = 0;
};

}  // namespace qforge
