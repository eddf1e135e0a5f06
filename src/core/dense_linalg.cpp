#include "core/dense_linalg.h"

#include <cblas.h>

#include "core/error.h"
#include "core/thread_pool.h"

// LAPACK's Fortran entry points, which OpenBLAS exports.
extern "C" {
void dpotrf_(const char* uplo, const int* n, double* a, const int* lda, int* info);
void dpotri_(const char* uplo, const int* n, double* a, const int* lda, int* info);
void openblas_set_num_threads(int n);
}

namespace qforge {
namespace {

int as_int(std::int64_t n, const char* what) {
    if (n < 0 || n > (std::int64_t{1} << 30)) fail("{}: dimension {} out of range", what, n);
    return static_cast<int>(n);
}

}  // namespace

void set_dense_threads(int n) { openblas_set_num_threads(n > 0 ? n : ThreadPool::physical_cores()); }

// A row-major matrix is its transpose in LAPACK's column-major view; for a symmetric matrix that is itself, and a
// triangle of one order is the opposite triangle of the other: row-major lower = column-major upper.
bool cholesky(double* a, std::int64_t n, Triangle factor) {
    const int N = as_int(n, "cholesky");
    int info = 0;
    const char uplo = factor == Triangle::Lower ? 'U' : 'L';
    dpotrf_(&uplo, &N, a, &N, &info);
    if (info < 0) fail("cholesky: LAPACK rejected argument {}", -info);
    if (info > 0) return false;
    for (std::int64_t i = 0; i < n; ++i)
        for (std::int64_t j = 0; j < n; ++j)
            if (factor == Triangle::Lower ? j > i : j < i) a[i * n + j] = 0.0;
    return true;
}

void inverse_from_lower_cholesky(double* a, std::int64_t n) {
    const int N = as_int(n, "inverse");
    int info = 0;
    const char uplo = 'U';  // row-major lower
    dpotri_(&uplo, &N, a, &N, &info);
    if (info != 0) fail("inverse: LAPACK dpotri failed ({})", info);
    for (std::int64_t i = 0; i < n; ++i)
        for (std::int64_t j = i + 1; j < n; ++j) a[i * n + j] = a[j * n + i];
}

void gemm(std::int64_t m, std::int64_t n, std::int64_t k, float alpha, const float* a, std::int64_t lda, const float* b,
          std::int64_t ldb, float beta, float* c, std::int64_t ldc) {
    if (m == 0 || n == 0) return;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, as_int(m, "gemm"), as_int(n, "gemm"), as_int(k, "gemm"), alpha, a,
                as_int(lda, "gemm"), b, as_int(ldb, "gemm"), beta, c, as_int(ldc, "gemm"));
}

void gram(std::int64_t rows, std::int64_t n, float alpha, const float* x, float beta, float* c) {
    cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, as_int(n, "gram"), as_int(rows, "gram"), alpha, x, as_int(n, "gram"), beta, c,
                as_int(n, "gram"));
    for (std::int64_t i = 0; i < n; ++i)
        for (std::int64_t j = i + 1; j < n; ++j) c[j * n + i] = c[i * n + j];
}

}  // namespace qforge
