#include "runtime/kv_blocks.h"

#include <algorithm>

#include "core/error.h"

namespace qforge {

KvBlocks::KvBlocks(std::int64_t n_blocks, std::int64_t block_tokens) : block_tokens_(block_tokens), blocks_(static_cast<std::size_t>(n_blocks)) {
    if (n_blocks < 1 || block_tokens < 1) fail("KV blocks: {} blocks of {} positions", n_blocks, block_tokens);
    for (std::int64_t b = n_blocks - 1; b >= 0; --b) free_.push_back(static_cast<std::int32_t>(b));
}

std::uint64_t KvBlocks::chain(std::uint64_t parent, std::span<const std::int32_t> tokens) {
    std::uint64_t h = 0xcbf29ce484222325ull ^ (parent * 0x9E3779B97F4A7C15ull);  // FNV-1a over the ids' bytes, from the parent's key
    for (std::int32_t t : tokens)
        for (int i = 0; i < 4; ++i) {
            h ^= static_cast<std::uint8_t>(static_cast<std::uint32_t>(t) >> (8 * i));
            h *= 0x100000001b3ull;
        }
    return h == 0 ? 1 : h;  // 0 is "no parent"
}

std::int32_t KvBlocks::take() {
    std::int32_t b;
    if (!free_.empty()) {
        b = free_.back();
        free_.pop_back();
    } else {
        // the least recently used remembered block is forgotten
        b = lru_.front();
        lru_.pop_front();
        Block& old = blocks_[static_cast<std::size_t>(b)];
        index_.erase(old.key);
        old.remembered = false;
        old.tokens.clear();
    }
    blocks_[static_cast<std::size_t>(b)].refs = 1;
    return b;
}

void KvBlocks::unref(std::int32_t b) {
    Block& blk = blocks_[static_cast<std::size_t>(b)];
    if (--blk.refs > 0) return;
    if (blk.remembered) blk.lru = lru_.insert(lru_.end(), b);
    else free_.push_back(b);
}

std::int64_t KvBlocks::attach_prefix(KvSequence& seq, std::span<const std::int32_t> tokens, std::int64_t max_tokens) {
    if (!seq.blocks.empty()) fail("KV blocks: a prefix attaches to an empty sequence only");
    ++lookups_;
    const std::int64_t whole = std::min<std::int64_t>(static_cast<std::int64_t>(tokens.size()), max_tokens) / block_tokens_;
    std::uint64_t parent = 0;
    for (std::int64_t i = 0; i < whole; ++i) {
        const auto part = tokens.subspan(static_cast<std::size_t>(i * block_tokens_), static_cast<std::size_t>(block_tokens_));
        const std::uint64_t key = chain(parent, part);
        const auto it = index_.find(key);
        if (it == index_.end()) break;
        Block& blk = blocks_[static_cast<std::size_t>(it->second)];
        if (blk.parent != parent || !std::equal(part.begin(), part.end(), blk.tokens.begin(), blk.tokens.end())) break;
        if (blk.refs++ == 0) lru_.erase(blk.lru);
        seq.blocks.push_back(it->second);
        parent = key;
    }
    seq.n_registered = static_cast<std::int64_t>(seq.blocks.size());
    const std::int64_t reused = seq.n_registered * block_tokens_;
    if (reused > 0) ++hits_;
    reused_tokens_ += reused;
    return reused;
}

std::int64_t KvBlocks::blocks_needed(const KvSequence& seq, std::int64_t n_positions) const {
    const std::int64_t want = (n_positions + block_tokens_ - 1) / block_tokens_;
    return std::max<std::int64_t>(0, want - static_cast<std::int64_t>(seq.blocks.size()));
}

bool KvBlocks::reserve(KvSequence& seq, std::int64_t n_positions) {
    const std::int64_t need = blocks_needed(seq, n_positions);
    if (need > available()) return false;
    for (std::int64_t i = 0; i < need; ++i) seq.blocks.push_back(take());
    return true;
}

void KvBlocks::register_full_blocks(KvSequence& seq, std::span<const std::int32_t> tokens) {
    const std::int64_t full = std::min<std::int64_t>(static_cast<std::int64_t>(tokens.size()) / block_tokens_,
                                                     static_cast<std::int64_t>(seq.blocks.size()));
    // the keys of the blocks before: recomputed from the tokens (a sequence's first blocks may be shared ones)
    std::uint64_t parent = 0;
    for (std::int64_t i = 0; i < full; ++i) {
        const std::int32_t b = seq.blocks[static_cast<std::size_t>(i)];
        const auto part = tokens.subspan(static_cast<std::size_t>(i * block_tokens_), static_cast<std::size_t>(block_tokens_));
        const std::uint64_t key = chain(parent, part);
        Block& blk = blocks_[static_cast<std::size_t>(b)];
        // an equal prefix remembered by another sequence keeps its block; this one stays private
        if (i >= seq.n_registered && !blk.remembered && index_.emplace(key, b).second) {
            blk.remembered = true;
            blk.key = key;
            blk.parent = parent;
            blk.tokens.assign(part.begin(), part.end());
        }
        parent = key;
    }
    seq.n_registered = std::max(seq.n_registered, full);
}

void KvBlocks::release(KvSequence& seq) {
    // later blocks first, so the least recently used end of the cache gives up the tails of prefixes first
    for (auto it = seq.blocks.rbegin(); it != seq.blocks.rend(); ++it) unref(*it);
    seq.blocks.clear();
    seq.n_registered = 0;
}

KvBlockStats KvBlocks::stats() const {
    KvBlockStats s;
    s.total = static_cast<std::int64_t>(blocks_.size());
    s.free = static_cast<std::int64_t>(free_.size());
    s.cached = static_cast<std::int64_t>(lru_.size());
    s.in_use = s.total - s.free - s.cached;
    s.reused_tokens = reused_tokens_;
    s.lookups = lookups_;
    s.hits = hits_;
    return s;
}

}  // namespace qforge
