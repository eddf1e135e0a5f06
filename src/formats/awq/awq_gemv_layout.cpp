#include "formats/awq/awq_gemv_layout.h"

#include "core/error.h"

namespace qforge {
namespace {

void check_shape(std::int64_t in, std::int64_t out, int group_size) {
    if (group_size < 1 || in % group_size != 0) fail("awq gemv layout: group size {} does not divide {} inputs", group_size, in);
    if (in % 8 != 0) fail("awq gemv layout: {} inputs, not a multiple of 8", in);
    if (out < 1) fail("awq gemv layout: no outputs");
}

}  // namespace

std::int64_t awq_gemv_zeros_width(std::int64_t in, int group_size) {
    int multiplier = 1;
    if (group_size == 64) multiplier = 2;
    else if (group_size == 32) multiplier = 4;
    else if (group_size < 128) fail("awq gemv layout: group size {} (AutoAWQ's GEMV takes 32, 64 or 128 and more)", group_size);
    const std::int64_t base = (in / group_size + 7) / 8;
    return (base + multiplier - 1) / multiplier * multiplier;
}

AwqGemvTensors pack_awq_gemv(const IntLayer& l) {
    if (l.bits != 4) fail("awq gemv layout: {} bits (AutoAWQ's GEMV layout is 4-bit)", l.bits);
    check_shape(l.in, l.out, l.group_size);
    if (const std::int64_t i = l.first_scattered_column(l.group_size); i >= 0)
        fail("awq gemv layout: input {} is in group {}, but AWQ groups are contiguous runs of {}", i, l.g_idx[static_cast<std::size_t>(i)], l.group_size);
    const std::int64_t groups = l.in / l.group_size, width = awq_gemv_zeros_width(l.in, l.group_size);
    AwqGemvTensors t;
    t.in = l.in;
    t.out = l.out;
    t.group_size = l.group_size;
    t.qweight.resize(static_cast<std::size_t>(l.out * l.in / 8));
    t.qzeros.assign(static_cast<std::size_t>(l.out * width), 0);
    t.scales.assign(static_cast<std::size_t>(l.out * width * 8), 0);
    for (std::int64_t o = 0; o < l.out; ++o) {
        for (std::int64_t c = 0; c < l.in / 8; ++c) {
            std::uint32_t w = 0;
            for (int k = 0; k < 8; ++k) w |= static_cast<std::uint32_t>(l.q[static_cast<std::size_t>(o * l.in + c * 8 + k)] & 0xF) << (4 * k);
            t.qweight[static_cast<std::size_t>(o * (l.in / 8) + c)] = static_cast<std::int32_t>(w);
        }
        for (std::int64_t g = 0; g < groups; ++g) {
            const auto z = static_cast<std::uint32_t>(l.zeros[static_cast<std::size_t>(g * l.out + o)] & 0xF);
            auto& word = t.qzeros[static_cast<std::size_t>(o * width + g / 8)];
            word = static_cast<std::int32_t>(static_cast<std::uint32_t>(word) | z << (4 * (g % 8)));
            t.scales[static_cast<std::size_t>(o * width * 8 + g)] = l.scales[static_cast<std::size_t>(g * l.out + o)];
        }
    }
    return t;
}

IntLayer unpack_awq_gemv(const AwqGemvTensors& t) {
    check_shape(t.in, t.out, t.group_size);
    const std::int64_t groups = t.in / t.group_size, width = awq_gemv_zeros_width(t.in, t.group_size);
    if (static_cast<std::int64_t>(t.qweight.size()) != t.out * t.in / 8 || static_cast<std::int64_t>(t.qzeros.size()) != t.out * width ||
        static_cast<std::int64_t>(t.scales.size()) != t.out * width * 8)
        fail("awq gemv layout: tensor sizes do not match {} x {} in groups of {}", t.out, t.in, t.group_size);
    IntLayer l;
    l.bits = 4;
    l.group_size = t.group_size;
    l.in = t.in;
    l.out = t.out;
    l.q.resize(static_cast<std::size_t>(t.in * t.out));
    l.zeros.resize(static_cast<std::size_t>(groups * t.out));
    l.scales.resize(l.zeros.size());
    for (std::int64_t o = 0; o < t.out; ++o) {
        for (std::int64_t c = 0; c < t.in / 8; ++c) {
            const auto w = static_cast<std::uint32_t>(t.qweight[static_cast<std::size_t>(o * (t.in / 8) + c)]);
            for (int k = 0; k < 8; ++k) l.q[static_cast<std::size_t>(o * t.in + c * 8 + k)] = static_cast<std::uint8_t>((w >> (4 * k)) & 0xF);
        }
        for (std::int64_t g = 0; g < groups; ++g) {
            const auto w = static_cast<std::uint32_t>(t.qzeros[static_cast<std::size_t>(o * width + g / 8)]);
            l.zeros[static_cast<std::size_t>(g * t.out + o)] = static_cast<std::uint8_t>((w >> (4 * (g % 8))) & 0xF);
            l.scales[static_cast<std::size_t>(g * t.out + o)] = t.scales[static_cast<std::size_t>(o * width * 8 + g)];
        }
    }
    l.set_contiguous_groups();
    return l;
}

}  // namespace qforge
