#pragma once
// Row-interleaved layouts of 16 weight rows ("r16"), made once when a model loads, for the AVX-512 VNNI
// kernels: every 64-byte vector holds 4 bytes of each of 16 rows, so one vpdpbusd multiplies 16 rows by the
// same 4 activations and a register holds 16 rows' results. Bits are regrouped, never changed: nibbles stay
// nibbles (decode streams as many bytes as the GGUF holds), scales keep their integers. A last group with
// fewer than 16 rows is padded with zero rows.
//
// Within a row, "dword j" of a block is its packed bytes 4j..4j+3; the layouts put dword j of rows 0..15
// next to each other (64 bytes), which is all the repacking there is for the quants:
//   q8_0_r16   per 32 columns: 8 x 64 bytes of q+128 (dword j = columns 4j..4j+3), then 16 fp16 scales
//   q4_0_r16   per 32 columns: 4 x 64 bytes of the GGUF nibble bytes (dword j: low nibbles = columns 4j..,
//   iq4_nl_r16   high nibbles = columns 16+4j..), then 16 fp16 scales
//   q4_K_r16   per 256 columns: 32 x 64 bytes of nibbles (dword 8p+j of pair p: low nibbles = columns
//              64p+4j.., high = 64p+32+4j..); scales and mins as u8 pairs (lane r of pair p = sub-blocks 2p,
//              2p+1 of row r: 4 x 32 bytes each); 16 fp16 d, 16 fp16 dmin
//   q5_K_r16   as q4_K_r16 plus, after the nibbles, 8 x 64 bytes of the high-bit bytes (dword j = qh[4j..])
//   q6_K_r16   per 256 columns: 32 x 64 bytes of ql (dword 16h+8s+j = ql[64h+32s+4j..]), 16 x 64 bytes of qh
//              (dword 8h+j = qh[32h+4j..]), int8 scales as pairs (8 x 32 bytes), 16 fp16 d
//   iq4_xs_r16 per 256 columns: 32 x 64 bytes of nibbles (dword 4b+j = qs[16b+4j..]), scales-32 as int8
//              pairs (4 x 32 bytes), 16 fp16 d
#include <cstddef>
#include <cstdint>

#include "core/tensor_type.h"

namespace qforge {

constexpr std::int64_t kR16 = 16;

// Bytes of one r16 block (32 columns for q8_0/q4_0/iq4_nl, 256 for the k-quants and iq4_xs).
struct R16Block {
    std::size_t quants, high, scales, mins, d, dmin, bytes;  // offsets of the parts; bytes = total
};
R16Block r16_block(TensorType weight);
std::int64_t r16_block_columns(TensorType weight);
bool has_r16_layout(TensorType weight);

std::size_t r16_group_bytes(TensorType weight, std::int64_t n_in);
// Packs n <= 16 rows (row_bytes apart) of n_in columns into one group.
void pack_r16(TensorType weight, const std::uint8_t* rows, std::size_t row_bytes, std::int64_t n, std::uint8_t* out, std::int64_t n_in);

}  // namespace qforge
