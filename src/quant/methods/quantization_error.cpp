#include "quant/methods/quantization_error.h"

#include <mutex>

#include "core/error.h"
#include "quant/codecs/codec_table.h"

namespace qforge {

QuantizationError quantization_error(TensorType type, const float* w, std::int64_t rows, std::int64_t cols,
                                     const float* importance, ThreadPool& pool, std::vector<std::uint8_t>* quantized) {
    const TensorTypeTraits& tr = traits(type);
    if (cols % tr.block_size != 0)
        fail("quantization error: rows of {} are not a multiple of {}'s block size {}", cols, type_name(type), tr.block_size);
    const std::size_t row_bytes = static_cast<std::size_t>(cols / tr.block_size) * tr.type_size;
    if (quantized != nullptr) quantized->resize(row_bytes * static_cast<std::size_t>(rows));
    QuantizationError total;
    std::mutex m;
    pool.parallel_chunks(rows, 16, [&](std::int64_t begin, std::int64_t end) {
        std::vector<std::uint8_t> own(quantized != nullptr ? 0 : row_bytes);
        std::vector<float> y(static_cast<std::size_t>(cols));
        double err = 0.0, sig = 0.0;
        for (std::int64_t r = begin; r < end; ++r) {
            const float* x = w + r * cols;
            std::uint8_t* q = quantized != nullptr ? quantized->data() + static_cast<std::size_t>(r) * row_bytes : own.data();
            quantize_row(type, x, q, cols, importance);
            dequantize_row(type, q, y.data(), cols);
            for (std::int64_t c = 0; c < cols; ++c) {
                const double h = importance != nullptr ? importance[c] : 1.0;
                const double d = static_cast<double>(x[c]) - y[c];
                err += h * d * d;
                sig += h * static_cast<double>(x[c]) * x[c];
            }
        }
        const std::lock_guard lock(m);
        total.error += err;
        total.signal += sig;
    });
    return total;
}

}  // namespace qforge
