#pragma once
// What the CPU running us supports, read with CPUID (and XGETBV for the OS's AVX state), so kernels can be
// chosen at run time. Works with both GCC and clang.

namespace qforge {

struct CpuFeatures {
    bool avx2 = false, fma = false, f16c = false, avx512f = false, avx512vnni = false;
    bool avx512bw = false, avx512vl = false, avx512dq = false, avx512bf16 = false;
};

const CpuFeatures& cpu_features();

}  // namespace qforge
