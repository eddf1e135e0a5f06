#pragma once
// Matrix-product kernels as the engine runs them, one row of a traits table per (weight type, layout, ISA):
// which activation format the kernel reads, how many weight rows its layout interleaves, how a weight is
// repacked into that layout when a model loads (or read in place), and the kernel itself.
//
// A kernel computes y[t][r] = W[r] . x[t] for a range of weight rows (whole groups) and every token. The
// layouts with 16 interleaved rows (`*_r16`, integer types) put one row in each 32-bit lane of a 512-bit
// register, so the AVX-512 VNNI kernels need no horizontal sums; they sum the same integers as the scalar
// reference (vec_dot_scalar on the original rows) and finish each block with the reference's float
// expression. The half-precision panels (`*_p32`) hold 32 rows per column and accumulate every row in column
// order with FMA, as the reference does. Either way the results are the reference's bits. F32 weights keep
// llama.cpp's 16-lane sums (`f32 tiles`), so F32 models give llama.cpp's bits, unless KernelChoice::Fastest
// asks for F32 panels (`f32_p32`, the reference's bits). The `rows` kernels read the GGUF
// rows in place with vec_dot (AVX2 and AVX-512 sum in lanes: within float rounding of the reference).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/tensor_type.h"

namespace qforge {

// How a product's f32 inputs are converted before the kernel reads them (once per input, shared by every
// weight that reads the same input with the same format).
enum class ActivationFormat : std::uint8_t {
    F32,        // as is
    F32_F16,    // f32 values rounded through fp16 (llama.cpp converts activations to F16 for F16 weights)
    F32_BF16,   // rounded through bf16
    F16,        // fp16 values (the rows kernels of F16 weights)
    BF16,       // bf16 values
    Q8_0,       // llama.cpp's blocks (BlockQ8_0), for the rows kernels
    Q8_1,       // BlockQ8_1
    Q8_K,       // BlockQ8_K
    Q8_0_SUMS,  // Q8_0's int8 values and scales, with the int sum of every block (the r16 kernels)
    Q8_K_SUMS,  // Q8_K's int8 values and scales, with int16 sums per 16 and per 32 values (the r16 kernels)
};

// Bytes from one converted row of n values to the next (one token, or a tile of tokens for the formats that
// interleave them; activations.h); a multiple of 64, so rows stay aligned.
std::size_t activation_row_stride(ActivationFormat format, std::int64_t n);
std::string_view activation_format_name(ActivationFormat format);

// One product's work for a kernel: rows [row_begin, row_end) of the weight (multiples of the layout's group,
// except that row_end may be the weight's last row) against n_tokens converted activation rows.
struct GemmTask {
    TensorType type;             // the weight's type
    const std::uint8_t* weight;  // the layout's bytes: packed groups, or the original rows
    std::size_t weight_stride;   // bytes per group of rows (packed) or per row (original rows)
    std::int64_t n_in, n_out;    // columns, rows of the whole weight
    std::int64_t row_begin, row_end;
    const std::uint8_t* act;     // the converted rows: token t in row (tile) t / activation_tile_tokens
    std::size_t act_stride;
    std::int64_t n_tokens;
    float* y;                    // y[t * ldy + r]
    std::int64_t ldy;
};

struct GemmKernel {
    enum class Kind : std::uint8_t {
        Rows,         // vec_dot over the GGUF rows in place (every type; scalar, AVX2 or AVX-512)
        Tiles,        // register tiles of rows x tokens over the GGUF rows in place (F32, in llama.cpp's order)
        Interleaved,  // a layout of row_group rows repacked at load: r16 for the integer types, p32 for floats
    };
    TensorType weight;
    Kind kind;
    std::string_view layout;    // reported by `bench --json`, e.g. "q4_K_r16 avx512-vnni"
    ActivationFormat activation;
    std::int64_t row_group;     // rows a group of the layout interleaves (1: the original rows)
    // Bytes of one packed group of rows over n_in columns; null when the kernel reads the original rows.
    std::size_t (*group_bytes)(std::int64_t n_in);
    // Packs rows [0, n) (n <= row_group; missing rows of the last group are zeros) of row_bytes each into one group.
    void (*pack)(const std::uint8_t* rows, std::size_t row_bytes, std::int64_t n, std::uint8_t* out, std::int64_t n_in);
    void (*run)(const GemmTask& task);
};

// Which kernel to take where a type has one in llama.cpp's summation order and a faster one in the
// reference's (F32: `f32 tiles` or `f32_p32`). Models run as llama.cpp runs them, so their figures are its
// figures; work whose numbers are qforge's own (calibration's forward passes) takes the fastest.
enum class KernelChoice : std::uint8_t { LlamaCppOrder, Fastest };

// The kernel for a weight of this type and shape on this CPU: the fastest path the CPU has (QFORGE_NO_AVX512,
// QFORGE_NO_SIMD narrow the choice, as for vec_dot), falling back to the rows kernels where a layout does
// not fit the shape. Throws for types the engine cannot run.
const GemmKernel& gemm_kernel_for(TensorType weight, std::int64_t n_in, std::int64_t n_out,
                                  KernelChoice choice = KernelChoice::LlamaCppOrder);
// The rows kernel of a type at the widest ISA (never repacks).
const GemmKernel& gemm_rows_kernel(TensorType weight);
// Every kernel row of a type that this CPU can run (tests hold each to the reference).
std::size_t gemm_kernels_for_type(TensorType weight, const GemmKernel** out, std::size_t capacity);

}  // namespace qforge
