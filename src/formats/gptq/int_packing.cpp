#include "formats/gptq/int_packing.h"

#include "core/error.h"
#include "core/float_convert.h"

namespace qforge {

std::int64_t IntLayer::groups() const {
    std::int32_t most = -1;
    for (auto g : g_idx) most = std::max(most, g);
    return most + 1;
}

std::int64_t IntLayer::first_scattered_column(std::int64_t columns_per_group) const {
    for (std::int64_t i = 0; i < in; ++i)
        if (g_idx[static_cast<std::size_t>(i)] != i / columns_per_group) return i;
    return -1;
}

void IntLayer::set_contiguous_groups() {
    g_idx.resize(static_cast<std::size_t>(in));
    for (std::int64_t i = 0; i < in; ++i) g_idx[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(i / group_size);
}

std::vector<float> IntLayer::dequantize() const {
    std::vector<float> w(static_cast<std::size_t>(in * out));
    for (std::int64_t o = 0; o < out; ++o)
        for (std::int64_t i = 0; i < in; ++i) {
            const auto g = static_cast<std::size_t>(g_idx[static_cast<std::size_t>(i)]);
            const auto at = g * static_cast<std::size_t>(out) + static_cast<std::size_t>(o);
            const float scale = fp16_to_fp32(scales[at]);
            w[static_cast<std::size_t>(o * in + i)] =
                scale * (static_cast<float>(q[static_cast<std::size_t>(o * in + i)]) - static_cast<float>(zeros[at]));
        }
    return w;
}

std::vector<std::int32_t> pack_lsb(const std::uint8_t* values, std::int64_t n, int bits) {
    if (bits < 1 || bits > 8) fail("packing: {} bits per value", bits);
    if ((n * bits) % 32 != 0) fail("packing: {} values of {} bits do not fill whole 32-bit words", n, bits);
    std::vector<std::uint32_t> words(static_cast<std::size_t>(n * bits / 32), 0);
    const std::uint32_t mask = (1u << bits) - 1;
    for (std::int64_t j = 0; j < n; ++j) {
        const std::uint32_t v = values[j] & mask;
        const std::int64_t bit = j * bits, word = bit / 32, shift = bit % 32;
        words[static_cast<std::size_t>(word)] |= v << shift;
        if (shift + bits > 32) words[static_cast<std::size_t>(word + 1)] |= v >> (32 - shift);
    }
    return {words.begin(), words.end()};
}

void unpack_lsb(const std::int32_t* words, std::int64_t n, int bits, std::uint8_t* values) {
    const std::uint32_t mask = (1u << bits) - 1;
    for (std::int64_t j = 0; j < n; ++j) {
        const std::int64_t bit = j * bits, word = bit / 32, shift = bit % 32;
        std::uint32_t v = static_cast<std::uint32_t>(words[word]) >> shift;
        if (shift + bits > 32) v |= static_cast<std::uint32_t>(words[word + 1]) << (32 - shift);
        values[j] = static_cast<std::uint8_t>(v & mask);
    }
}

}  // namespace qforge
