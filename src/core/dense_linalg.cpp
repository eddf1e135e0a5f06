#include "core/dense_linalg.h"

#include <cblas.h>
#include <dlfcn.h>

#include <cstdlib>
#include <mutex>

#include "core/error.h"
#include "core/thread_pool.h"

namespace qforge {
namespace {

// OpenBLAS, loaded at first use. Debian 12's OpenBLAS (0.3.21) predates the newest Xeons and, not recognising
// them, runs its SSE3 "Prescott" kernels: a 2048^3 sgemm on 2 cores of this project's machines takes 58
// GFLOP/s that way and 228 with the AVX-512 "SkylakeX" kernels. So when OPENBLAS_CORETYPE is not set, qforge
// names the widest core this CPU runs before the library reads its environment; a value the user set wins.
struct OpenBlas {
    decltype(&cblas_sgemm) sgemm = nullptr;
    decltype(&cblas_ssyrk) ssyrk = nullptr;
    void (*dpotrf)(const char*, const int*, double*, const int*, int*) = nullptr;
    void (*dpotri)(const char*, const int*, double*, const int*, int*) = nullptr;
    void (*set_threads)(int) = nullptr;
    char* (*corename)() = nullptr;
};

const char* widest_core() {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512dq"))
        return "SkylakeX";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
#endif
    return nullptr;
}

template <typename F>
void bind(void* lib, const char* name, F& fn) {
    fn = reinterpret_cast<F>(dlsym(lib, name));
    if (fn == nullptr) fail("OpenBLAS: symbol {} is missing from libopenblas.so.0", name);
}

OpenBlas load() {
    if (std::getenv("OPENBLAS_CORETYPE") == nullptr)
        if (const char* core = widest_core()) setenv("OPENBLAS_CORETYPE", core, 0);
    void* lib = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) fail("cannot load OpenBLAS (libopenblas.so.0: {}); scripts/setup.sh installs it", dlerror());
    OpenBlas b;
    bind(lib, "cblas_sgemm", b.sgemm);
    bind(lib, "cblas_ssyrk", b.ssyrk);
    bind(lib, "dpotrf_", b.dpotrf);
    bind(lib, "dpotri_", b.dpotri);
    bind(lib, "openblas_set_num_threads", b.set_threads);
    bind(lib, "openblas_get_corename", b.corename);
    b.set_threads(ThreadPool::physical_cores());
    return b;
}

const OpenBlas& blas() {
    static const OpenBlas b = load();
    return b;
}

int as_int(std::int64_t n, const char* what) {
    if (n < 0 || n > (std::int64_t{1} << 30)) fail("{}: dimension {} out of range", what, n);
    return static_cast<int>(n);
}

}  // namespace

void set_dense_threads(int n) { blas().set_threads(n > 0 ? n : ThreadPool::physical_cores()); }

std::string dense_backend() { return std::string("OpenBLAS ") + blas().corename(); }

// A row-major matrix is its transpose in LAPACK's column-major view; for a symmetric matrix that is itself, and a
// triangle of one order is the opposite triangle of the other: row-major lower = column-major upper.
bool cholesky(double* a, std::int64_t n, Triangle factor) {
    const int N = as_int(n, "cholesky");
    int info = 0;
    const char uplo = factor == Triangle::Lower ? 'U' : 'L';
    blas().dpotrf(&uplo, &N, a, &N, &info);
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
    blas().dpotri(&uplo, &N, a, &N, &info);
    if (info != 0) fail("inverse: LAPACK dpotri failed ({})", info);
    for (std::int64_t i = 0; i < n; ++i)
        for (std::int64_t j = i + 1; j < n; ++j) a[i * n + j] = a[j * n + i];
}

void gemm(std::int64_t m, std::int64_t n, std::int64_t k, float alpha, const float* a, std::int64_t lda, const float* b,
          std::int64_t ldb, float beta, float* c, std::int64_t ldc) {
    if (m == 0 || n == 0) return;
    blas().sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, as_int(m, "gemm"), as_int(n, "gemm"), as_int(k, "gemm"), alpha, a,
                 as_int(lda, "gemm"), b, as_int(ldb, "gemm"), beta, c, as_int(ldc, "gemm"));
}

void gram(std::int64_t rows, std::int64_t n, float alpha, const float* x, float beta, float* c) {
    blas().ssyrk(CblasRowMajor, CblasUpper, CblasTrans, as_int(n, "gram"), as_int(rows, "gram"), alpha, x, as_int(n, "gram"), beta, c,
                 as_int(n, "gram"));
    for (std::int64_t i = 0; i < n; ++i)
        for (std::int64_t j = i + 1; j < n; ++j) c[j * n + i] = c[i * n + j];
}

}  // namespace qforge
