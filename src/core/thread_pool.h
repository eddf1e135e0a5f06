#pragma once
// The process's worker threads. Work is split into contiguous ranges; callers pass a function of a range
// (kernels take rows, never a thread count).
//
// A dispatch costs about a microsecond: the job is a function pointer and a context pointer (no std::function,
// no allocation), workers spin on an epoch counter for a while after each job and only then sleep on a futex,
// and the caller spins (yielding when oversubscribed) until the others are done. An engine step runs a few
// hundred jobs, so this is what keeps decode of small models from being all synchronisation.
#include <atomic>
#include <cstdint>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace qforge {

class ThreadPool {
public:
    explicit ThreadPool(int n_threads);  // n_threads <= 0: physical cores
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int size() const { return n_threads_; }

    // fn(thread, n_threads) once on every thread; the caller is thread 0. Returns when all are done.
    template <typename F>
    void run(F&& fn) {
        using Fn = std::remove_reference_t<F>;
        dispatch([](void* ctx, int thread, int n) { (*static_cast<Fn*>(ctx))(thread, n); }, &fn);
    }

    // fn(begin, end) over [0, n) split into one contiguous range per thread (empty ranges are not called).
    template <typename F>
    void parallel_for(std::int64_t n, F&& fn) {
        if (n <= 0) return;
        if (n_threads_ == 1 || n == 1) {
            fn(std::int64_t{0}, n);
            return;
        }
        run([&](int thread, int threads) {
            const auto [b, e] = split(n, threads, thread);
            if (b < e) fn(b, e);
        });
    }

    // fn(begin, end) over [0, n) in chunks of `chunk` that threads claim as they become free: balances work
    // when a core is shared with other processes or chunks differ in cost.
    template <typename F>
    void parallel_chunks(std::int64_t n, std::int64_t chunk, F&& fn) {
        if (n <= 0) return;
        if (chunk < 1) chunk = 1;
        if (n_threads_ == 1 || n <= chunk) {
            fn(std::int64_t{0}, n);
            return;
        }
        std::atomic<std::int64_t> next{0};
        run([&](int, int) {
            for (;;) {
                const std::int64_t b = next.fetch_add(chunk, std::memory_order_relaxed);
                if (b >= n) return;
                fn(b, std::min(n, b + chunk));
            }
        });
    }

    // The contiguous range of [0, n) that part `index` of `parts` gets (the split parallel_for uses).
    static std::pair<std::int64_t, std::int64_t> split(std::int64_t n, int parts, int index) {
        return {n * index / parts, n * (index + 1) / parts};
    }

    static int physical_cores();

private:
    using JobFn = void (*)(void* ctx, int thread, int n_threads);
    void dispatch(JobFn fn, void* ctx);
    void worker(int index);

    int n_threads_;
    std::vector<std::thread> threads_;
    // The job being run, published by a release increment of epoch_.
    JobFn job_ = nullptr;
    void* job_ctx_ = nullptr;
    alignas(64) std::atomic<std::uint32_t> epoch_{0};
    alignas(64) std::atomic<int> pending_{0};
    alignas(64) std::atomic<int> sleepers_{0};
    std::atomic<bool> stop_{false};
};

}  // namespace qforge
