#include "eval/advise/memory_bandwidth.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <numeric>
#include <vector>

#include "core/thread_pool.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace qforge {
namespace {

// XOR of every 64-byte line of [b, e) words: the widest loads the CPU has, four chains, nothing else, so the
// loop reads as fast as memory delivers.
#if defined(__x86_64__)
__attribute__((target("avx512f"))) std::uint64_t read_lines_avx512(const std::uint64_t* p, std::int64_t b, std::int64_t e) {
    __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
    std::int64_t i = b;
    for (; i + 32 <= e; i += 32) {
        a0 = _mm512_xor_si512(a0, _mm512_loadu_si512(p + i));
        a1 = _mm512_xor_si512(a1, _mm512_loadu_si512(p + i + 8));
        a2 = _mm512_xor_si512(a2, _mm512_loadu_si512(p + i + 16));
        a3 = _mm512_xor_si512(a3, _mm512_loadu_si512(p + i + 24));
    }
    std::uint64_t s = static_cast<std::uint64_t>(_mm512_reduce_add_epi64(_mm512_xor_si512(_mm512_xor_si512(a0, a1), _mm512_xor_si512(a2, a3))));
    for (; i < e; ++i) s ^= p[i];
    return s;
}
#endif

std::uint64_t read_lines(const std::uint64_t* p, std::int64_t b, std::int64_t e) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx512f")) return read_lines_avx512(p, b, e);
#endif
    std::uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    std::int64_t i = b;
    for (; i + 4 <= e; i += 4) {
        s0 += p[i];
        s1 += p[i + 1];
        s2 += p[i + 2];
        s3 += p[i + 3];
    }
    for (; i < e; ++i) s0 += p[i];
    return s0 + s1 + s2 + s3;
}

}  // namespace

double measure_read_bandwidth_gbs(int threads) {
    constexpr std::size_t kBytes = std::size_t{512} << 20;
    std::vector<std::uint64_t> buffer(kBytes / sizeof(std::uint64_t));
    std::iota(buffer.begin(), buffer.end(), 1);  // touch every page before timing
    ThreadPool pool(threads);
    std::vector<std::uint64_t> sums(static_cast<std::size_t>(pool.size()) * 8);
    double best = 0;
    for (int pass = 0; pass < 3; ++pass) {
        const auto start = std::chrono::steady_clock::now();
        pool.parallel_for(static_cast<std::int64_t>(buffer.size()), [&](std::int64_t b, std::int64_t e) {
            sums[static_cast<std::size_t>(b * 8 / std::max<std::int64_t>(1, e - b)) % sums.size()] += read_lines(buffer.data(), b, e);
        });
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        best = std::max(best, static_cast<double>(kBytes) / seconds / 1e9);
    }
    volatile std::uint64_t sink = std::accumulate(sums.begin(), sums.end(), std::uint64_t{0});
    (void)sink;
    return best;
}

}  // namespace qforge
