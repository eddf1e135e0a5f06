#include "formats/gguf/gguf_split.h"

#include <fmt/format.h>

#include <cctype>
#include <limits>

#include "core/error.h"
#include "formats/gguf/gguf_constants.h"

namespace qforge::gguf {

std::string split_path(const std::string& prefix, int split_no, int split_count) {
    return fmt::format("{}-{:05d}-of-{:05d}.gguf", prefix, split_no + 1, split_count);
}

std::optional<std::string> split_prefix(const std::string& path, int split_no, int split_count) {
    const std::string tail = fmt::format("-{:05d}-of-{:05d}.gguf", split_no + 1, split_count);
    if (path.size() <= tail.size() || !path.ends_with(tail)) return std::nullopt;
    return path.substr(0, path.size() - tail.size());
}

std::string output_split_prefix(const std::string& output_path) {
    return output_path.ends_with(".gguf") ? output_path.substr(0, output_path.size() - 5) : output_path;
}

std::vector<int> assign_shards(const std::vector<std::uint64_t>& tensor_bytes, const SplitLimits& limits) {
    if (limits.max_bytes == 0 && limits.max_tensors <= 0)
        fail("split: --split-max-tensors must be at least 1 (got {})", limits.max_tensors);
    std::vector<int> shard(tensor_bytes.size());
    int current = limits.no_tensor_first_split ? 1 : 0;
    std::uint64_t bytes = 0;  // tensor bytes of the current shard, each padded as written
    int in_current = 0;
    const int n = static_cast<int>(tensor_bytes.size());
    for (int i = 0; i < n; ++i) {
        const std::uint64_t padded = pad_to(tensor_bytes[i], kDefaultAlignment);
        const bool cut = limits.max_bytes > 0 ? bytes + padded > limits.max_bytes
                                              : i > 0 && i % limits.max_tensors == 0;
        if (cut) {
            if (current + 1 >= kMaxSplitCount)
                fail("split: more than {} shards (split.count is 16-bit): raise the limit", kMaxSplitCount);
            if (in_current == 0)
                fail("split: shard {} would hold no tensors: tensor {} alone takes {} bytes, more than the limit of {}",
                     current + 1, i, padded, limits.max_bytes);
            ++current;
            bytes = 0;
            in_current = 0;
        }
        bytes += padded;
        ++in_current;
        shard[i] = current;
    }
    return shard;
}

std::uint64_t parse_split_size(const std::string& text) {
    if (text.size() < 2 || (text.back() != 'M' && text.back() != 'G'))
        fail("--split-max-size '{}': expected a whole number of megabytes or gigabytes, like 500M or 4G", text);
    std::uint64_t n = 0;
    for (std::size_t i = 0; i + 1 < text.size(); ++i) {
        if (!std::isdigit(static_cast<unsigned char>(text[i])) || n > std::numeric_limits<std::uint32_t>::max())
            fail("--split-max-size '{}': expected a whole number of megabytes or gigabytes, like 500M or 4G", text);
        n = n * 10 + static_cast<std::uint64_t>(text[i] - '0');
    }
    if (n == 0) fail("--split-max-size '{}': the size must be positive", text);
    return n * (text.back() == 'M' ? 1000ull * 1000 : 1000ull * 1000 * 1000);
}

GgufMetadata shard_metadata(const GgufMetadata& model, int split_no, int split_count, std::int32_t n_tensors,
                            SplitKeyOrder order) {
    GgufMetadata m;
    if (split_no == 0)
        for (const auto& [k, v] : model.items())
            if (k != kSplitNo && k != kSplitCount && k != kSplitTensorsCount) m.set(k, v);
    const auto no = GgufValue::make(static_cast<std::uint16_t>(split_no));
    const auto count = GgufValue::make(static_cast<std::uint16_t>(split_count));
    const auto tensors = GgufValue::make(n_tensors);
    m.set(kSplitNo, no);
    if (order == SplitKeyOrder::Quantize) {
        m.set(kSplitCount, count);
        m.set(kSplitTensorsCount, tensors);
    } else {
        m.set(kSplitTensorsCount, tensors);
        m.set(kSplitCount, count);
    }
    return m;
}

}  // namespace qforge::gguf
