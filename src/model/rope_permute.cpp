#include "model/rope_permute.h"

#include <cstring>

#include "core/error.h"

namespace qforge {
namespace {

void check(std::int64_t rows, std::int64_t n_head) {
    if (n_head <= 0 || rows % n_head != 0 || (rows / n_head) % 2 != 0)
        fail("cannot permute {} rows for RoPE over {} heads: rows per head must be even", rows, n_head);
}

}  // namespace

std::int64_t rope_source_row(std::int64_t r, std::int64_t rows, std::int64_t n_head) {
    const std::int64_t d = rows / n_head, half = d / 2;
    const std::int64_t h = r / d, k = r % d;
    return h * d + (k % 2) * half + k / 2;
}

void permute_rope_rows(const std::uint8_t* src, std::uint8_t* dst, std::int64_t rows, std::size_t row_bytes,
                       std::int64_t n_head) {
    check(rows, n_head);
    for (std::int64_t r = 0; r < rows; ++r)
        std::memcpy(dst + static_cast<std::size_t>(r) * row_bytes,
                    src + static_cast<std::size_t>(rope_source_row(r, rows, n_head)) * row_bytes, row_bytes);
}

void unpermute_rope_rows(const std::uint8_t* src, std::uint8_t* dst, std::int64_t rows, std::size_t row_bytes,
                         std::int64_t n_head) {
    check(rows, n_head);
    for (std::int64_t r = 0; r < rows; ++r)
        std::memcpy(dst + static_cast<std::size_t>(rope_source_row(r, rows, n_head)) * row_bytes,
                    src + static_cast<std::size_t>(r) * row_bytes, row_bytes);
}

}  // namespace qforge
