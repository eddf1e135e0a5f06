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

void permute_rope_rows(const std::uint8_t* src, std::uint8_t* dst, std::int64_t rows, std::size_t row_bytes,
                       std::int64_t n_head) {
    check(rows, n_head);
    const std::int64_t d = rows / n_head, half = d / 2;
    for (std::int64_t h = 0; h < n_head; ++h)
        for (std::int64_t i = 0; i < half; ++i)
            for (std::int64_t j = 0; j < 2; ++j)
                std::memcpy(dst + static_cast<std::size_t>(h * d + 2 * i + j) * row_bytes,
                            src + static_cast<std::size_t>(h * d + j * half + i) * row_bytes, row_bytes);
}

void unpermute_rope_rows(const std::uint8_t* src, std::uint8_t* dst, std::int64_t rows, std::size_t row_bytes,
                         std::int64_t n_head) {
    check(rows, n_head);
    const std::int64_t d = rows / n_head, half = d / 2;
    for (std::int64_t h = 0; h < n_head; ++h)
        for (std::int64_t i = 0; i < half; ++i)
            for (std::int64_t j = 0; j < 2; ++j)
                std::memcpy(dst + static_cast<std::size_t>(h * d + j * half + i) * row_bytes,
                            src + static_cast<std::size_t>(h * d + 2 * i + j) * row_bytes, row_bytes);
}

}  // namespace qforge
