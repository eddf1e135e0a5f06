#include "formats/awq/awq_layout.h"

#include "core/error.h"

namespace qforge {
namespace {

constexpr int kOrder[8] = {0, 2, 4, 6, 1, 3, 5, 7};  // output within a word, by nibble

// Eight 4-bit values (one per output 8c..8c+7) into a word, in AWQ's nibble order.
std::int32_t pack8(const std::uint8_t* v) {
    std::uint32_t w = 0;
    for (int i = 0; i < 8; ++i) w |= static_cast<std::uint32_t>(v[kOrder[i]] & 0xF) << (4 * i);
    return static_cast<std::int32_t>(w);
}

void unpack8(std::int32_t word, std::uint8_t* v) {
    const auto w = static_cast<std::uint32_t>(word);
    for (int i = 0; i < 8; ++i) v[kOrder[i]] = static_cast<std::uint8_t>((w >> (4 * i)) & 0xF);
}

}  // namespace

AwqTensors pack_awq_gemm(const IntLayer& l) {
    if (l.bits != 4) fail("awq layout: {} bits (AutoAWQ's GEMM layout is 4-bit)", l.bits);
    if (l.out % 8 != 0) fail("awq layout: {} outputs, not a multiple of 8", l.out);
    if (l.group_size < 1 || l.in % l.group_size != 0) fail("awq layout: group size {} does not divide {} inputs", l.group_size, l.in);
    if (const std::int64_t i = l.first_scattered_column(l.group_size); i >= 0)
        fail("awq layout: input {} is in group {}, but AWQ groups are contiguous runs of {}", i, l.g_idx[static_cast<std::size_t>(i)], l.group_size);
    const std::int64_t groups = l.in / l.group_size, words = l.out / 8;
    AwqTensors t;
    t.in = l.in;
    t.out = l.out;
    t.group_size = l.group_size;
    t.qweight.resize(static_cast<std::size_t>(l.in * words));
    std::uint8_t v[8];
    for (std::int64_t i = 0; i < l.in; ++i)
        for (std::int64_t c = 0; c < words; ++c) {
            for (int k = 0; k < 8; ++k) v[k] = l.q[static_cast<std::size_t>((c * 8 + k) * l.in + i)];
            t.qweight[static_cast<std::size_t>(i * words + c)] = pack8(v);
        }
    t.qzeros.resize(static_cast<std::size_t>(groups * words));
    for (std::int64_t g = 0; g < groups; ++g)
        for (std::int64_t c = 0; c < words; ++c) t.qzeros[static_cast<std::size_t>(g * words + c)] = pack8(l.zeros.data() + g * l.out + c * 8);
    t.scales = l.scales;
    return t;
}

IntLayer unpack_awq_gemm(const AwqTensors& t) {
    if (t.out % 8 != 0 || t.group_size < 1 || t.in % t.group_size != 0) fail("awq layout: {} x {} with group size {}", t.out, t.in, t.group_size);
    const std::int64_t groups = t.in / t.group_size, words = t.out / 8;
    if (static_cast<std::int64_t>(t.qweight.size()) != t.in * words || static_cast<std::int64_t>(t.qzeros.size()) != groups * words ||
        static_cast<std::int64_t>(t.scales.size()) != groups * t.out)
        fail("awq layout: tensor sizes do not match {} x {} in groups of {}", t.out, t.in, t.group_size);
    IntLayer l;
    l.bits = 4;
    l.group_size = t.group_size;
    l.in = t.in;
    l.out = t.out;
    l.q.resize(static_cast<std::size_t>(t.in * t.out));
    std::uint8_t v[8];
    for (std::int64_t i = 0; i < t.in; ++i)
        for (std::int64_t c = 0; c < words; ++c) {
            unpack8(t.qweight[static_cast<std::size_t>(i * words + c)], v);
            for (int k = 0; k < 8; ++k) l.q[static_cast<std::size_t>((c * 8 + k) * t.in + i)] = v[k];
        }
    l.zeros.resize(static_cast<std::size_t>(groups * t.out));
    for (std::int64_t g = 0; g < groups; ++g)
        for (std::int64_t c = 0; c < words; ++c) unpack8(t.qzeros[static_cast<std::size_t>(g * words + c)], l.zeros.data() + g * t.out + c * 8);
    l.scales = t.scales;
    l.set_contiguous_groups();
    return l;
}

}  // namespace qforge
