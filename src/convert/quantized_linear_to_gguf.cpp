#include "convert/quantized_linear_to_gguf.h"

#include <cstring>

#include "core/error.h"
#include "core/float_convert.h"
#include "model/rope_permute.h"
#include "quant/codecs/legacy.h"

namespace qforge {
namespace {

void check_contiguous_groups(const IntLayer& l, const std::string& name) {
    if (const std::int64_t i = l.first_scattered_column(kQK4); i >= 0)
        fail("{}: input {} is in group {}: the groups are not contiguous runs of {} columns (act-order?), so the "
             "layer does not map onto GGUF blocks", name, i, l.g_idx[static_cast<std::size_t>(i)], kQK4);
}

std::uint8_t zero_at(const IntLayer& l, std::int64_t o, std::int64_t g) { return l.zeros[static_cast<std::size_t>(g * l.out + o)]; }
std::uint16_t scale_at(const IntLayer& l, std::int64_t o, std::int64_t g) { return l.scales[static_cast<std::size_t>(g * l.out + o)]; }

template <typename Block, typename Fill>
std::vector<std::uint8_t> blocks(const IntLayer& l, Fill fill) {
    const std::int64_t per_row = l.in / kQK4;
    std::vector<std::uint8_t> out(static_cast<std::size_t>(l.out * per_row) * sizeof(Block));
    auto* b = reinterpret_cast<Block*>(out.data());
    for (std::int64_t o = 0; o < l.out; ++o)
        for (std::int64_t g = 0; g < per_row; ++g) fill(b[o * per_row + g], l.q.data() + o * l.in + g * kQK4, o, g);
    return out;
}

}  // namespace

std::optional<TensorType> gguf_type_for_grid(const IntGrid& g, std::int64_t in) {
    if (g.group_size != kQK4 || g.act_order || in % kQK4 != 0) return std::nullopt;
    if (g.bits == 4) return g.symmetric ? TensorType::Q4_0 : TensorType::Q4_1;
    if (g.bits == 8 && g.symmetric) return TensorType::Q8_0;
    return std::nullopt;
}

std::string mapping_kind(TensorType type) {
    return type == TensorType::Q4_1 ? "levels kept, min = -scale*zero rounded to fp16" : "exact";
}

std::vector<std::uint8_t> int_layer_to_gguf(const IntLayer& l, TensorType type, const std::string& name) {
    if (type == TensorType::F32 || type == TensorType::F16 || type == TensorType::BF16) {
        const std::vector<float> w = l.dequantize();
        std::vector<std::uint8_t> out(w.size() * (type == TensorType::F32 ? 4 : 2));
        convert_from_f32(type, w.data(), out.data(), w.size());
        return out;
    }
    check_contiguous_groups(l, name);
    const int expected_zero = 1 << (l.bits - 1);  // the symmetric grid's zero point
    auto symmetric_zero = [&](std::int64_t o, std::int64_t g) {
        if (zero_at(l, o, g) != expected_zero)
            fail("{}: output {} group {} has zero point {}, but a symmetric {}-bit grid has {}", name, o, g, zero_at(l, o, g), l.bits,
                 expected_zero);
    };
    switch (type) {
        case TensorType::Q4_0:
            if (l.bits != 4) break;
            return blocks<BlockQ4_0>(l, [&](BlockQ4_0& b, const std::uint8_t* q, std::int64_t o, std::int64_t g) {
                symmetric_zero(o, g);
                b.d = scale_at(l, o, g);
                for (int j = 0; j < kQK4 / 2; ++j) b.qs[j] = static_cast<std::uint8_t>((q[j] & 0xF) | (q[j + kQK4 / 2] & 0xF) << 4);
            });
        case TensorType::Q4_1:
            if (l.bits != 4) break;
            return blocks<BlockQ4_1>(l, [&](BlockQ4_1& b, const std::uint8_t* q, std::int64_t o, std::int64_t g) {
                b.d = scale_at(l, o, g);
                b.m = fp32_to_fp16(-fp16_to_fp32(b.d) * static_cast<float>(zero_at(l, o, g)));
                for (int j = 0; j < kQK4 / 2; ++j) b.qs[j] = static_cast<std::uint8_t>((q[j] & 0xF) | (q[j + kQK4 / 2] & 0xF) << 4);
            });
        case TensorType::Q8_0:
            if (l.bits != 8) break;
            return blocks<BlockQ8_0>(l, [&](BlockQ8_0& b, const std::uint8_t* q, std::int64_t o, std::int64_t g) {
                symmetric_zero(o, g);
                b.d = scale_at(l, o, g);
                for (int j = 0; j < kQK8_0; ++j) b.qs[j] = static_cast<std::int8_t>(static_cast<int>(q[j]) - 128);
            });
        default:
            break;
    }
    fail("{}: a {}-bit layer does not map onto {}", name, l.bits, type_name(type));
}

IntLayer permute_int_layer_rows(const IntLayer& l, std::int64_t n_head, bool inverse) {
    if (n_head < 1 || l.out % n_head != 0 || (l.out / n_head) % 2 != 0)
        fail("{} rows cannot be permuted over {} heads", l.out, n_head);
    IntLayer p = l;
    const std::int64_t groups = l.groups();
    for (std::int64_t r = 0; r < l.out; ++r) {
        const std::int64_t s = rope_source_row(r, l.out, n_head);
        const std::int64_t to = inverse ? s : r, from = inverse ? r : s;
        std::memcpy(p.q.data() + to * l.in, l.q.data() + from * l.in, static_cast<std::size_t>(l.in));
        for (std::int64_t g = 0; g < groups; ++g) {
            p.scales[static_cast<std::size_t>(g * l.out + to)] = l.scales[static_cast<std::size_t>(g * l.out + from)];
            p.zeros[static_cast<std::size_t>(g * l.out + to)] = l.zeros[static_cast<std::size_t>(g * l.out + from)];
        }
    }
    return p;
}

std::vector<std::uint8_t> float_rows_to_gguf(std::vector<float> w, std::int64_t rows, std::int64_t cols, TensorType type, std::int64_t heads) {
    if (heads > 0) {
        std::vector<float> u(w.size());
        permute_rope_rows(reinterpret_cast<const std::uint8_t*>(w.data()), reinterpret_cast<std::uint8_t*>(u.data()), rows,
                          static_cast<std::size_t>(cols) * sizeof(float), heads);
        w.swap(u);
    }
    std::vector<std::uint8_t> bytes(*bytes_for(type, w.size()));
    convert_from_f32(type, w.data(), bytes.data(), w.size());
    return bytes;
}

}  // namespace qforge
