#include "formats/gptq/gptq_layout.h"

#include "core/error.h"

namespace qforge {
namespace {

void check(const IntLayer& l) {
    if (l.bits != 2 && l.bits != 3 && l.bits != 4 && l.bits != 8) fail("gptq layout: {} bits (AutoGPTQ packs 2, 3, 4, 8)", l.bits);
    if ((l.in * l.bits) % 32 != 0 || (l.out * l.bits) % 32 != 0)
        fail("gptq layout: {} x {} weights do not pack into whole int32 words at {} bits", l.out, l.in, l.bits);
    if (static_cast<std::int64_t>(l.q.size()) != l.in * l.out || static_cast<std::int64_t>(l.g_idx.size()) != l.in)
        fail("gptq layout: levels or g_idx do not match {} x {}", l.out, l.in);
}

}  // namespace

GptqTensors pack_gptq(const IntLayer& l, bool v1) {
    check(l);
    const std::int64_t groups = l.groups(), words_in = l.in * l.bits / 32;
    if (static_cast<std::int64_t>(l.scales.size()) != groups * l.out || l.zeros.size() != l.scales.size())
        fail("gptq layout: scales/zeros do not match {} groups x {} outputs", groups, l.out);
    GptqTensors t;
    t.in = l.in;
    t.out = l.out;
    t.bits = l.bits;
    t.group_size = l.group_size;
    t.qweight.resize(static_cast<std::size_t>(words_in * l.out));
    std::vector<std::uint8_t> column(static_cast<std::size_t>(l.in));
    for (std::int64_t o = 0; o < l.out; ++o) {
        for (std::int64_t i = 0; i < l.in; ++i) column[static_cast<std::size_t>(i)] = l.q[static_cast<std::size_t>(o * l.in + i)];
        const auto packed = pack_lsb(column.data(), l.in, l.bits);
        for (std::int64_t w = 0; w < words_in; ++w) t.qweight[static_cast<std::size_t>(w * l.out + o)] = packed[static_cast<std::size_t>(w)];
    }
    std::vector<std::uint8_t> zrow(static_cast<std::size_t>(l.out));
    for (std::int64_t g = 0; g < groups; ++g) {
        for (std::int64_t o = 0; o < l.out; ++o) {
            const std::uint8_t z = l.zeros[static_cast<std::size_t>(g * l.out + o)];
            // v1 loaders add one to what is stored, so they read zero points 1..2^bits: 0 cannot be written
            if (v1 && (z == 0 || z > (1u << l.bits)))
                fail("gptq layout: zero point {} (group {}, output {}) cannot be stored in AutoGPTQ's v1 layout (1..{}); "
                     "use the v2 layout", z, g, o, 1u << l.bits);
            zrow[static_cast<std::size_t>(o)] = v1 ? static_cast<std::uint8_t>(z - 1) : z;
        }
        const auto packed = pack_lsb(zrow.data(), l.out, l.bits);
        t.qzeros.insert(t.qzeros.end(), packed.begin(), packed.end());
    }
    t.scales = l.scales;
    t.g_idx = l.g_idx;
    return t;
}

IntLayer unpack_gptq(const GptqTensors& t, bool v1) {
    IntLayer l;
    l.bits = t.bits;
    l.group_size = t.group_size;
    l.in = t.in;
    l.out = t.out;
    l.g_idx = t.g_idx;
    l.q.resize(static_cast<std::size_t>(t.in * t.out));
    check(l);
    const std::int64_t words_in = t.in * t.bits / 32, words_out = t.out * t.bits / 32;
    if (static_cast<std::int64_t>(t.qweight.size()) != words_in * t.out) fail("gptq layout: qweight has {} words", t.qweight.size());
    const std::int64_t groups = l.groups();
    if (static_cast<std::int64_t>(t.qzeros.size()) != groups * words_out || static_cast<std::int64_t>(t.scales.size()) != groups * t.out)
        fail("gptq layout: qzeros/scales do not match {} groups", groups);
    std::vector<std::int32_t> words(static_cast<std::size_t>(words_in));
    std::vector<std::uint8_t> column(static_cast<std::size_t>(t.in));
    for (std::int64_t o = 0; o < t.out; ++o) {
        for (std::int64_t w = 0; w < words_in; ++w) words[static_cast<std::size_t>(w)] = t.qweight[static_cast<std::size_t>(w * t.out + o)];
        unpack_lsb(words.data(), t.in, t.bits, column.data());
        for (std::int64_t i = 0; i < t.in; ++i) l.q[static_cast<std::size_t>(o * t.in + i)] = column[static_cast<std::size_t>(i)];
    }
    l.zeros.resize(static_cast<std::size_t>(groups * t.out));
    for (std::int64_t g = 0; g < groups; ++g) {
        unpack_lsb(t.qzeros.data() + g * words_out, t.out, t.bits, l.zeros.data() + g * t.out);
        if (v1)  // as AutoGPTQ's loaders: stored + 1, which can be 2^bits
            for (std::int64_t o = 0; o < t.out; ++o) {
                auto& z = l.zeros[static_cast<std::size_t>(g * t.out + o)];
                if (z == 255) fail("gptq layout: stored zero point 255 (group {}, output {}) means 256, beyond 8 bits", g, o);
                ++z;
            }
    }
    l.scales = t.scales;
    return l;
}

}  // namespace qforge
