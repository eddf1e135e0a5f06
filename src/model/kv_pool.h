#pragma once
// Keys and values of past positions in fp16, as llama.cpp's default cache stores them, in blocks of a fixed
// number of positions drawn from one pool: a sequence owns a table of block ids (its positions in order,
// block_tokens to a block), so sequences of any length share one allocation and a block of a prompt prefix
// can be read by several sequences at once. A block holds, for every layer, block_tokens rows of
// n_head_kv * head_dim values for K and for V.
//
// Which blocks a sequence gets is runtime's business (kv_blocks.h); the forward pass only reads tables.
#include <cstdint>
#include <span>
#include <type_traits>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/error.h"

namespace qforge {

// A sequence's block ids, position p in block blocks[p / block_tokens].
using KvTable = std::span<const std::int32_t>;

class KvPool {
public:
    KvPool(std::int64_t n_layer, std::int64_t row, std::int64_t n_blocks, std::int64_t block_tokens)
        : n_layer_(n_layer), row_(row), n_blocks_(n_blocks), block_tokens_(block_tokens) {
        if (n_layer < 1 || row < 1 || n_blocks < 1 || block_tokens < 1)
            fail("KV cache: {} layers, rows of {}, {} blocks of {} positions: every count must be positive", n_layer, row, n_blocks,
                 block_tokens);
        const std::size_t bytes = static_cast<std::size_t>(n_blocks * block_tokens * row) * sizeof(std::uint16_t);
        for (std::int64_t l = 0; l < n_layer; ++l) {
            k_.emplace_back(bytes);
            v_.emplace_back(bytes);
        }
    }
    // One contiguous sequence of n_ctx positions: a single block (table {0}).
    static KvPool contiguous(std::int64_t n_layer, std::int64_t row, std::int64_t n_ctx) { return KvPool(n_layer, row, 1, n_ctx); }

    std::uint16_t* k_at(std::int64_t layer, KvTable table, std::int64_t pos) { return row_at(k_, layer, table, pos); }
    std::uint16_t* v_at(std::int64_t layer, KvTable table, std::int64_t pos) { return row_at(v_, layer, table, pos); }
    const std::uint16_t* k_at(std::int64_t layer, KvTable table, std::int64_t pos) const { return row_at(k_, layer, table, pos); }
    const std::uint16_t* v_at(std::int64_t layer, KvTable table, std::int64_t pos) const { return row_at(v_, layer, table, pos); }

    std::int64_t n_layer() const { return n_layer_; }
    std::int64_t row() const { return row_; }  // n_head_kv * head_dim
    std::int64_t n_blocks() const { return n_blocks_; }
    std::int64_t block_tokens() const { return block_tokens_; }
    std::size_t block_bytes() const { return 2 * static_cast<std::size_t>(n_layer_ * block_tokens_ * row_) * sizeof(std::uint16_t); }
    std::size_t bytes() const { return block_bytes() * static_cast<std::size_t>(n_blocks_); }

private:
    template <typename Buffers>
    static auto* row_at_impl(Buffers& b, std::int64_t layer, std::int32_t block, std::int64_t offset, std::int64_t block_tokens,
                             std::int64_t row) {
        using T = std::conditional_t<std::is_const_v<Buffers>, const std::uint16_t, std::uint16_t>;
        return reinterpret_cast<T*>(b[static_cast<std::size_t>(layer)].data()) + (block * block_tokens + offset) * row;
    }
    std::uint16_t* row_at(std::vector<AlignedBuffer>& b, std::int64_t layer, KvTable table, std::int64_t pos) {
        return row_at_impl(b, layer, table[static_cast<std::size_t>(pos / block_tokens_)], pos % block_tokens_, block_tokens_, row_);
    }
    const std::uint16_t* row_at(const std::vector<AlignedBuffer>& b, std::int64_t layer, KvTable table, std::int64_t pos) const {
        return row_at_impl(b, layer, table[static_cast<std::size_t>(pos / block_tokens_)], pos % block_tokens_, block_tokens_, row_);
    }

    std::int64_t n_layer_, row_, n_blocks_, block_tokens_;
    std::vector<AlignedBuffer> k_, v_;
};

}  // namespace qforge
