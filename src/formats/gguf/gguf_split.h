#pragma once
// llama.cpp's sharded GGUF layout (gguf-split, llama-quantize --keep-split): shard i of n is named
// PREFIX-0000i-of-0000n.gguf (1-based, five digits); every shard carries split.no (u16, 0-based),
// split.count (u16) and split.tensors.count (i32, the model's tensors over all shards); only the first holds
// the model's other metadata. The loader opens the first shard and finds the rest by name.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "formats/gguf/gguf_metadata.h"

namespace qforge::gguf {

constexpr const char* kSplitNo = "split.no";
constexpr const char* kSplitCount = "split.count";
constexpr const char* kSplitTensorsCount = "split.tensors.count";
constexpr int kMaxSplitCount = 65535;

// llama_split_path: PREFIX-%05d-of-%05d.gguf with the shard number counted from 1.
std::string split_path(const std::string& prefix, int split_no, int split_count);
// llama_split_prefix: the prefix of a shard's path, or nothing where the name does not end as shard
// split_no of split_count would.
std::optional<std::string> split_prefix(const std::string& path, int split_no, int split_count);
// The prefix llama-quantize --keep-split writes under: the output path without its ".gguf".
std::string output_split_prefix(const std::string& output_path);

// How gguf-split cuts a model: a new shard when the next tensor would take the shard's tensor bytes (each
// padded to 32) past max_bytes, or every max_tensors tensors. A first shard with metadata only on request.
struct SplitLimits {
    std::uint64_t max_bytes = 0;  // 0: by tensor count
    int max_tensors = 128;
    bool no_tensor_first_split = false;
};
// Shard index of each tensor, in order; fails where a shard would get no tensors.
std::vector<int> assign_shards(const std::vector<std::uint64_t>& tensor_bytes, const SplitLimits& limits);

// gguf-split's size argument: a positive integer followed by M (10^6 bytes) or G (10^9 bytes).
std::uint64_t parse_split_size(const std::string& text);

// Metadata of shard split_no as gguf-split writes it (the first: every key of the model, then split.no,
// split.tensors.count, split.count; the others: the split keys alone), or as llama-quantize --keep-split
// does (split.no, split.count, split.tensors.count).
enum class SplitKeyOrder { GgufSplit, Quantize };
GgufMetadata shard_metadata(const GgufMetadata& model, int split_no, int split_count, std::int32_t n_tensors,
                            SplitKeyOrder order);

}  // namespace qforge::gguf
