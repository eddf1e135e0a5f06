#pragma once
// The process's worker threads. Work is split into contiguous ranges; callers pass a function of a range
// (kernels take rows, never a thread count).
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace qforge {

class ThreadPool {
public:
    explicit ThreadPool(int n_threads);  // n_threads <= 0: physical cores
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int size() const { return n_threads_; }
    // Runs fn(begin, end) over [0, n) split into one range per thread; returns when all are done.
    void parallel_for(std::int64_t n, const std::function<void(std::int64_t, std::int64_t)>& fn);

    static int physical_cores();

private:
    void worker(int index);
    int n_threads_;
    std::vector<std::thread> threads_;
    std::mutex mutex_;
    std::condition_variable start_cv_, done_cv_;
    const std::function<void(std::int64_t, std::int64_t)>* job_ = nullptr;
    std::int64_t job_n_ = 0;
    std::uint64_t generation_ = 0;
    int pending_ = 0;
    bool stop_ = false;
};

}  // namespace qforge
