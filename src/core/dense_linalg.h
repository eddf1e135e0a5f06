#pragma once
// Dense linear algebra for the calibration solvers: a thin wrapper over OpenBLAS and its LAPACK, on row-major
// matrices. OpenBLAS runs these multithreaded itself (set_dense_threads, default: physical cores). The library
// is loaded at first use, with its kernels chosen for this CPU (see dense_linalg.cpp).
#include <cstdint>
#include <string>

namespace qforge {

// Threads OpenBLAS may use (<= 0: physical cores).
void set_dense_threads(int n);
// "OpenBLAS SkylakeX": the library and the kernels it runs.
std::string dense_backend();

enum class Triangle { Lower, Upper };
// In place: the Cholesky factor of a symmetric positive definite n x n matrix, A = L L^T (Lower) or A = U^T U
// (Upper); the other triangle is zeroed. False if A is not positive definite.
bool cholesky(double* a, std::int64_t n, Triangle factor);
// In place: A^-1 (full, symmetric) from the lower Cholesky factor L of A (as cholesky(Lower) left it).
void inverse_from_lower_cholesky(double* a, std::int64_t n);

// C (m x n) = alpha A (m x k) B (k x n) + beta C, with leading dimensions (floats per row).
void gemm(std::int64_t m, std::int64_t n, std::int64_t k, float alpha, const float* a, std::int64_t lda, const float* b,
          std::int64_t ldb, float beta, float* c, std::int64_t ldc);
// C (n x n, both triangles) = alpha X^T X + beta C for X of rows x n.
void gram(std::int64_t rows, std::int64_t n, float alpha, const float* x, float beta, float* c);

}  // namespace qforge
