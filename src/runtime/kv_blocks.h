#pragma once
// Which KvPool blocks each sequence holds. A sequence's table grows a block at a time as it needs positions;
// blocks are reference-counted, and a block its sequence has filled is remembered by its tokens and the block
// before it (the whole prefix up to its end), so a later sequence whose tokens start the same way takes the
// blocks instead of recomputing them (prefix reuse, across slots and after the first sequence has ended).
// Freed blocks that hold a remembered prefix stay findable until the pool needs them back, least recently
// used first. Only full blocks are shared, and nothing writes into a full block, so sharing needs no copies.
#include <cstdint>
#include <list>
#include <span>
#include <unordered_map>
#include <vector>

namespace qforge {

struct KvSequence {
    std::vector<std::int32_t> blocks;  // the table: position p in blocks[p / block_tokens]
    std::int64_t n_registered = 0;     // leading blocks already remembered (or taken from the cache)
};

struct KvBlockStats {
    std::int64_t total = 0, in_use = 0, cached = 0, free = 0;  // cached: unused but holding a remembered prefix
    std::int64_t reused_tokens = 0, lookups = 0, hits = 0;      // since start
};

class KvBlocks {
public:
    KvBlocks(std::int64_t n_blocks, std::int64_t block_tokens);

    // Takes the longest remembered prefix of tokens, whole blocks only and at most max_tokens positions, into
    // an empty sequence; returns the positions it covers (their keys and values are already in the pool).
    std::int64_t attach_prefix(KvSequence& seq, std::span<const std::int32_t> tokens, std::int64_t max_tokens);
    // Blocks for positions [0, n_positions); false (and nothing taken) when the pool cannot supply them.
    bool reserve(KvSequence& seq, std::int64_t n_positions);
    // Blocks reserve() would still need for n_positions.
    std::int64_t blocks_needed(const KvSequence& seq, std::int64_t n_positions) const;
    // After the sequence's positions [0, tokens.size()) hold their keys and values: remembers its newly full blocks.
    void register_full_blocks(KvSequence& seq, std::span<const std::int32_t> tokens);
    // Gives back every block of the sequence (remembered ones stay findable).
    void release(KvSequence& seq);

    std::int64_t available() const { return static_cast<std::int64_t>(free_.size() + lru_.size()); }
    std::int64_t block_tokens() const { return block_tokens_; }
    KvBlockStats stats() const;

private:
    struct Block {
        int refs = 0;
        bool remembered = false;
        std::uint64_t key = 0;             // hash of the whole prefix up to the block's end
        std::uint64_t parent = 0;          // the key of the block before it (0 for a first block)
        std::vector<std::int32_t> tokens;  // of a remembered block: a match is checked against them and the parent
        std::list<std::int32_t>::iterator lru;
    };
    std::int32_t take();
    void unref(std::int32_t b);
    static std::uint64_t chain(std::uint64_t parent, std::span<const std::int32_t> tokens);

    std::int64_t block_tokens_;
    std::vector<Block> blocks_;
    std::vector<std::int32_t> free_;  // never remembered (or forgotten)
    std::list<std::int32_t> lru_;     // unused remembered blocks, oldest first
    std::unordered_map<std::uint64_t, std::int32_t> index_;  // prefix key -> block
    std::int64_t reused_tokens_ = 0, lookups_ = 0, hits_ = 0;
};

}  // namespace qforge
