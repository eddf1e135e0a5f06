#include "formats/hf/sharded_safetensors_writer.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace qforge {
namespace {

std::string shard_name(std::size_t s, std::size_t n) {
    return n == 1 ? "model.safetensors" : fmt::format("model-{:05d}-of-{:05d}.safetensors", s + 1, n);
}

}  // namespace

ShardedSafetensorsWriter::ShardedSafetensorsWriter(HfDirectoryWriter& dir, std::vector<SafetensorsEntry> entries,
                                                   std::uint64_t max_shard_bytes, std::map<std::string, std::string> metadata,
                                                   bool always_index)
    : dir_(dir), entries_(std::move(entries)), metadata_(std::move(metadata)), always_index_(always_index) {
    if (entries_.empty()) fail("a checkpoint needs at least one tensor");
    std::uint64_t in_shard = 0;
    for (std::size_t i = 0; i < entries_.size(); ++i) {
        const std::uint64_t n = entries_[i].nbytes();
        if (shards_.empty() || (max_shard_bytes != 0 && in_shard > 0 && in_shard + n > max_shard_bytes)) {
            shards_.push_back({i, i});
            in_shard = 0;
        }
        shards_.back().second = i + 1;
        in_shard += n;
    }
    open_shard(0);
}

void ShardedSafetensorsWriter::open_shard(std::size_t s) {
    shard_ = s;
    std::vector<SafetensorsEntry> entries(entries_.begin() + static_cast<std::ptrdiff_t>(shards_[s].first),
                                          entries_.begin() + static_cast<std::ptrdiff_t>(shards_[s].second));
    current_ = std::make_unique<SafetensorsWriter>(dir_.path(shard_name(s, shards_.size())), std::move(entries),
                                                   metadata_);
}

void ShardedSafetensorsWriter::write(std::span<const std::uint8_t> bytes) {
    if (next_ >= entries_.size()) fail("internal error: more tensors written than planned");
    if (bytes.size() != entries_[next_].nbytes())
        fail("internal error: tensor '{}' has {} bytes, planned {}", entries_[next_].name, bytes.size(), entries_[next_].nbytes());
    if (next_ == shards_[shard_].second) {
        current_->finish();
        open_shard(shard_ + 1);
    }
    current_->write(bytes);
    total_ += bytes.size();
    ++next_;
}

void ShardedSafetensorsWriter::finish() {
    if (next_ != entries_.size()) fail("internal error: {} of {} tensors written", next_, entries_.size());
    current_->finish();
    if (shards_.size() == 1 && !always_index_) return;
    nlohmann::json weight_map = nlohmann::json::object();
    for (std::size_t s = 0; s < shards_.size(); ++s)
        for (std::size_t i = shards_[s].first; i < shards_[s].second; ++i) weight_map[entries_[i].name] = shard_name(s, shards_.size());
    dir_.write_json("model.safetensors.index.json", {{"metadata", {{"total_size", total_}}}, {"weight_map", weight_map}});
}

}  // namespace qforge
