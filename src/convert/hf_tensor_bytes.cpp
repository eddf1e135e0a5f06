#include "convert/hf_tensor_bytes.h"

#include <cstring>

#include "core/float_convert.h"
#include "model/rope_permute.h"
#include "quant/codecs/codec_table.h"

namespace qforge {

std::vector<std::uint8_t> hf_tensor_bytes(TensorType type, const std::uint8_t* in, const SafetensorsEntry& entry, std::int64_t heads,
                                          float offset) {
    const std::int64_t row = entry.ne[0];
    std::int64_t n = 1;
    for (auto d : entry.ne) n *= d;
    const std::int64_t rows = n / row;
    std::vector<std::uint8_t> out(entry.nbytes());
    if (type == entry.type && offset == 0.0f) {
        std::memcpy(out.data(), in, out.size());
    } else {
        const std::size_t in_row_bytes = *bytes_for(type, static_cast<std::uint64_t>(row));
        const std::size_t out_row_bytes = out.size() / static_cast<std::size_t>(rows);
        std::vector<float> f(static_cast<std::size_t>(row));
        for (std::int64_t r = 0; r < rows; ++r) {
            dequantize_row(type, in + static_cast<std::size_t>(r) * in_row_bytes, f.data(), row);
            if (offset != 0.0f)
                for (float& v : f) v += offset;
            convert_from_f32(entry.type, f.data(), out.data() + static_cast<std::size_t>(r) * out_row_bytes, f.size());
        }
    }
    if (heads > 0) {
        std::vector<std::uint8_t> u(out.size());
        const bool one_d = entry.ne.size() == 1;
        const std::size_t element = out.size() / static_cast<std::size_t>(n);
        unpermute_rope_rows(out.data(), u.data(), one_d ? n : rows, (one_d ? 1 : static_cast<std::size_t>(row)) * element, heads);
        out.swap(u);
    }
    return out;
}

}  // namespace qforge
