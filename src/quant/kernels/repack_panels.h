#pragma once
// Float weights (F16, BF16, and F32 where llama.cpp's order is not wanted: gemm.h's KernelChoice) in panels of
// 32 rows ("p32"), made once when a model loads: for every column k, the 32 rows' values side by side (64
// bytes for half precision, 128 for F32), in the weight's own precision. A product then
// broadcasts one activation and multiplies it into 32 rows with two FMAs, accumulating each row in column
// order: the order of the scalar reference, so the results are its bits. A last panel with fewer rows is
// padded with zeros.
#include <cstddef>
#include <cstdint>

#include "core/tensor_type.h"

namespace qforge {

constexpr std::int64_t kPanelRows = 32;

bool has_panel_layout(TensorType weight);
std::size_t panel_bytes(TensorType weight, std::int64_t n_in);
// Packs n <= 32 rows (row_bytes apart) of n_in values into one panel.
void pack_panel(TensorType weight, const std::uint8_t* rows, std::size_t row_bytes, std::int64_t n, std::uint8_t* out,
                std::int64_t n_in);

}  // namespace qforge
