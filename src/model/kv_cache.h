#pragma once
// Keys and values of past positions, per layer, stored in fp16 as llama.cpp's default cache stores them:
// n_ctx rows of n_head_kv * head_dim values per layer, for K and for V.
#include <cstdint>
#include <vector>

#include "core/aligned_buffer.h"

namespace qforge {

struct KvCache {
    KvCache(std::int64_t n_layer, std::int64_t n_ctx, std::int64_t row) : n_ctx(n_ctx), row(row) {
        const std::size_t bytes = static_cast<std::size_t>(n_ctx * row) * sizeof(std::uint16_t);
        for (std::int64_t l = 0; l < n_layer; ++l) {
            k.emplace_back(bytes);
            v.emplace_back(bytes);
        }
    }
    std::uint16_t* k_at(std::int64_t layer, std::int64_t pos) { return k[static_cast<std::size_t>(layer)].as<std::uint16_t>() + pos * row; }
    std::uint16_t* v_at(std::int64_t layer, std::int64_t pos) { return v[static_cast<std::size_t>(layer)].as<std::uint16_t>() + pos * row; }
    const std::uint16_t* k_at(std::int64_t layer, std::int64_t pos) const { return k[static_cast<std::size_t>(layer)].as_const<std::uint16_t>() + pos * row; }
    const std::uint16_t* v_at(std::int64_t layer, std::int64_t pos) const { return v[static_cast<std::size_t>(layer)].as_const<std::uint16_t>() + pos * row; }
    std::size_t bytes() const { return 2 * k.size() * static_cast<std::size_t>(n_ctx * row) * sizeof(std::uint16_t); }

    std::int64_t n_ctx, row;  // row = n_head_kv * head_dim
    std::vector<AlignedBuffer> k, v;
};

}  // namespace qforge
