#pragma once
// llama.cpp's converter reorders the rows of Hugging Face Q and K projections (and their biases) so that
// each head's rotary pairs are adjacent: within a head of d rows, new row 2i+j takes old row j*d/2+i.
#include <cstddef>
#include <cstdint>

namespace qforge {

// The row of the Hugging Face layout that row r of llama.cpp's layout holds.
std::int64_t rope_source_row(std::int64_t r, std::int64_t rows, std::int64_t n_head);

// Permutes `rows` rows of `row_bytes` bytes each, for n_head heads, from src into dst (no aliasing).
void permute_rope_rows(const std::uint8_t* src, std::uint8_t* dst, std::int64_t rows, std::size_t row_bytes,
                       std::int64_t n_head);
// The inverse (GGUF layout back to Hugging Face layout).
void unpermute_rope_rows(const std::uint8_t* src, std::uint8_t* dst, std::int64_t rows, std::size_t row_bytes,
                         std::int64_t n_head);

}  // namespace qforge
