#pragma once
// Dot products of a weight row with an activation row, as the engine's matrix products need them. Each weight
// type pairs with the activation format llama.cpp pairs it with (its vec_dot_type): F32 with F32, F16 with F16,
// BF16 with BF16, Q8_0, Q4_0, Q5_0 and IQ4_NL with Q8_0, Q4_1 and Q5_1 with Q8_1, the k-quants and IQ4_XS
// with Q8_K. The scalar code is the reference; an AVX-512 path (float types) or AVX2 path is chosen at run
// time (QFORGE_NO_AVX512=1 in the environment keeps AVX2, QFORGE_NO_SIMD=1 the reference).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/tensor_type.h"

namespace qforge {

// Weight types the kernels handle.
bool has_vec_dot(TensorType weight);
TensorType activation_type(TensorType weight);
std::size_t activation_row_bytes(TensorType weight, std::int64_t n);
// Converts n f32 activations to the weight type's activation format.
void prepare_activations(TensorType weight, const float* x, void* out, std::int64_t n);
// Dot product of one weight row and one prepared activation row of n elements.
float vec_dot(TensorType weight, const void* w, const void* x, std::int64_t n);

// One weight row against four activation rows at once (the weight row is loaded and unpacked once); the
// results equal four vec_dot calls bit for bit.
void vec_dot_x4(TensorType weight, const void* w, const void* const* x, std::int64_t n, float* out);

// The reference and the SIMD path, for tests that hold one to the other.
float vec_dot_scalar(TensorType weight, const void* w, const void* x, std::int64_t n);
float vec_dot_avx2(TensorType weight, const void* w, const void* x, std::int64_t n);
void vec_dot_avx2_x4(TensorType weight, const void* w, const void* const* x, std::int64_t n, float* out);
float vec_dot_avx512(TensorType weight, const void* w, const void* x, std::int64_t n);
void vec_dot_avx512_x4(TensorType weight, const void* w, const void* const* x, std::int64_t n, float* out);
bool cpu_has_avx2();
bool cpu_has_avx512();  // AVX-512F with the AVX2 set (the AVX-512 kernels fall back to AVX2 ones)
// The path vec_dot takes on this CPU and environment: "avx512", "avx2" or "scalar".
std::string_view vec_dot_isa();

}  // namespace qforge
