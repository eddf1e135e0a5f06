#include "quant/kernels/cpu_features.h"

#include <cpuid.h>

namespace qforge {
namespace {

CpuFeatures detect() {
    CpuFeatures f;
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
    const bool osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
    f.fma = (c >> 12) & 1;
    f.f16c = (c >> 29) & 1;
    if (!osxsave || !avx) return CpuFeatures{};
    unsigned xcr0_lo, xcr0_hi;
    __asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
    const bool ymm_state = (xcr0_lo & 0x6) == 0x6, zmm_state = (xcr0_lo & 0xE6) == 0xE6;
    if (!ymm_state) return CpuFeatures{};
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
        f.avx2 = (b >> 5) & 1;
        f.avx512f = zmm_state && ((b >> 16) & 1);
        f.avx512vnni = f.avx512f && ((c >> 11) & 1);
        f.avx512dq = f.avx512f && ((b >> 17) & 1);
        f.avx512bw = f.avx512f && ((b >> 30) & 1);
        f.avx512vl = f.avx512f && ((b >> 31) & 1);
    }
    if (f.avx512f && __get_cpuid_count(7, 1, &a, &b, &c, &d)) f.avx512bf16 = (a >> 5) & 1;
    return f;
}

}  // namespace

const CpuFeatures& cpu_features() {
    static const CpuFeatures f = detect();
    return f;
}

}  // namespace qforge
