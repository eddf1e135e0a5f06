#include "eval/advise/memory_bandwidth.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <numeric>
#include <vector>

#include "core/thread_pool.h"

namespace qforge {

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
            std::uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            std::int64_t i = b;
            for (; i + 4 <= e; i += 4) {
                s0 += buffer[static_cast<std::size_t>(i)];
                s1 += buffer[static_cast<std::size_t>(i + 1)];
                s2 += buffer[static_cast<std::size_t>(i + 2)];
                s3 += buffer[static_cast<std::size_t>(i + 3)];
            }
            for (; i < e; ++i) s0 += buffer[static_cast<std::size_t>(i)];
            sums[static_cast<std::size_t>(b * 8 / std::max<std::int64_t>(1, e - b)) % sums.size()] += s0 + s1 + s2 + s3;
        });
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        best = std::max(best, static_cast<double>(kBytes) / seconds / 1e9);
    }
    volatile std::uint64_t sink = std::accumulate(sums.begin(), sums.end(), std::uint64_t{0});
    (void)sink;
    return best;
}

}  // namespace qforge
