#pragma once
// The weights of a checkpoint directory written module by module: each job names its tensors up front (so the
// shards are laid out before any byte is made) and makes their bytes when the writer reaches it, so memory
// holds one module at a time. Used by the FP8 and MLX exports.
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "formats/hf/hf_directory_writer.h"
#include "formats/safetensors/safetensors_writer.h"

namespace qforge {

struct TensorJob {
    std::vector<SafetensorsEntry> entries;
    std::function<std::vector<std::vector<std::uint8_t>>()> make;  // one buffer per entry, in order
};

// A vector's bytes, as a job returns them.
template <typename T>
std::vector<std::uint8_t> bytes_of(const std::vector<T>& values) {
    std::vector<std::uint8_t> b(values.size() * sizeof(T));
    std::memcpy(b.data(), values.data(), b.size());
    return b;
}

struct WrittenTensors {
    std::size_t tensors = 0, shards = 0;
    std::uint64_t bytes = 0;
};

// Into `writer`'s directory (not committed): sharded safetensors with each file's metadata, the index where
// there are several files (or always), a progress bar labelled `label`.
WrittenTensors write_tensor_jobs(HfDirectoryWriter& writer, const std::vector<TensorJob>& jobs, std::uint64_t max_shard_bytes,
                                 const std::map<std::string, std::string>& metadata, bool always_index, const std::string& label, bool progress);

}  // namespace qforge
