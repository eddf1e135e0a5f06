#include "quant/kernels/repack_panels.h"

#include <cstring>

#include "core/error.h"

namespace qforge {
namespace {

template <typename T>
void transpose_into_panel(const std::uint8_t* rows, std::size_t row_bytes, std::int64_t n, T* out, std::int64_t n_in) {
    for (std::int64_t r = 0; r < n; ++r) {
        const auto* src = reinterpret_cast<const T*>(rows + static_cast<std::size_t>(r) * row_bytes);
        for (std::int64_t k = 0; k < n_in; ++k) out[k * kPanelRows + r] = src[k];
    }
}

}  // namespace

bool has_panel_layout(TensorType w) { return w == TensorType::F32 || w == TensorType::F16 || w == TensorType::BF16; }

std::size_t panel_bytes(TensorType w, std::int64_t n_in) {
    if (!has_panel_layout(w)) fail("no panel layout for {}", type_name(w));
    return static_cast<std::size_t>(n_in * kPanelRows) * traits(w).type_size;
}

void pack_panel(TensorType w, const std::uint8_t* rows, std::size_t row_bytes, std::int64_t n, std::uint8_t* out, std::int64_t n_in) {
    if (n < 1 || n > kPanelRows) fail("pack_panel: {} rows (1..32)", n);
    std::memset(out, 0, panel_bytes(w, n_in));
    if (w == TensorType::F32) transpose_into_panel(rows, row_bytes, n, reinterpret_cast<std::uint32_t*>(out), n_in);
    else transpose_into_panel(rows, row_bytes, n, reinterpret_cast<std::uint16_t*>(out), n_in);
}

}  // namespace qforge
