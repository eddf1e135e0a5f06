#pragma once
// Keys and values of past positions, per layer. Values are rounded to fp16, like llama.cpp's default cache,
// but kept as floats so the attention loops run at full speed.
#include <cstdint>
#include <vector>

namespace qforge {

struct KvCache {
    KvCache(std::int64_t n_layer, std::int64_t n_ctx, std::int64_t row) : n_ctx(n_ctx), row(row) {
        k.assign(static_cast<std::size_t>(n_layer), std::vector<float>(static_cast<std::size_t>(n_ctx * row)));
        v = k;
    }
    float* k_at(std::int64_t layer, std::int64_t pos) { return k[static_cast<std::size_t>(layer)].data() + pos * row; }
    float* v_at(std::int64_t layer, std::int64_t pos) { return v[static_cast<std::size_t>(layer)].data() + pos * row; }

    std::int64_t n_ctx, row;  // row = n_head_kv * head_dim
    std::vector<std::vector<float>> k, v;
};

}  // namespace qforge
