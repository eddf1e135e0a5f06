#include "int_layers.h"

#include <algorithm>
#include <random>

#include "core/float_convert.h"

namespace qforge::test {

IntLayer random_int_layer(int bits, std::int64_t in, std::int64_t out, int group, bool act_order, unsigned seed) {
    IntLayer l;
    l.bits = bits;
    l.group_size = group;
    l.in = in;
    l.out = out;
    std::mt19937 rng(seed);
    const int levels = 1 << bits;
    l.q.resize(static_cast<std::size_t>(in * out));
    for (auto& v : l.q) v = static_cast<std::uint8_t>(rng() % levels);
    const std::int64_t groups = in / group;
    for (std::int64_t i = 0; i < in; ++i) l.g_idx.push_back(static_cast<std::int32_t>(i / group));
    if (act_order) std::shuffle(l.g_idx.begin(), l.g_idx.end(), rng);
    for (std::int64_t k = 0; k < groups * out; ++k) {
        l.scales.push_back(fp32_to_fp16(0.01f * static_cast<float>(1 + rng() % 50)));
        l.zeros.push_back(static_cast<std::uint8_t>(1 + rng() % (levels - 1)));
    }
    return l;
}

}  // namespace qforge::test
