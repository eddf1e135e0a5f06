#pragma once
// Integer weights of a linear layer quantized in groups, in the form AutoGPTQ and AutoAWQ checkpoints pack:
// `IntLayer` is the unpacked form (levels per weight, per-group scales and zero points, the input column's
// group), and the packers write AutoGPTQ's and AutoAWQ's int32 tensors from it and read them back.
#include <cstdint>
#include <vector>

namespace qforge {

struct IntLayer {
    int bits = 4, group_size = 128;
    std::int64_t in = 0, out = 0;          // in_features (K), out_features (N)
    std::vector<std::uint8_t> q;           // out x in levels in [0, 2^bits), row-major (one row per output)
    std::vector<std::uint16_t> scales;     // groups x out, fp16
    std::vector<std::uint8_t> zeros;       // groups x out, zero points in [0, 2^bits)
    std::vector<std::int32_t> g_idx;       // in: the group of each input column

    std::int64_t groups() const;
    // The first input column whose group is not column / columns_per_group (act-order), or -1 when groups
    // are contiguous runs of that many columns.
    std::int64_t first_scattered_column(std::int64_t columns_per_group) const;
    // g_idx of contiguous groups of group_size columns.
    void set_contiguous_groups();
    // w[o][i] = scale * (q - zero), as the loaders compute it
    std::vector<float> dequantize() const;
};

// An LSB-first bit stream of `bits`-wide values packed into little-endian int32 words: value j takes bits
// [bits*j, bits*j + bits) of the stream, so 3-bit values straddle words. n_values * bits must fill whole words.
std::vector<std::int32_t> pack_lsb(const std::uint8_t* values, std::int64_t n_values, int bits);
void unpack_lsb(const std::int32_t* words, std::int64_t n_values, int bits, std::uint8_t* values);

}  // namespace qforge
