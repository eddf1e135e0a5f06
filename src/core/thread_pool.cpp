#include "core/thread_pool.h"

#include <chrono>
#include <fstream>
#include <set>
#include <string>
#include <utility>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define QFORGE_PAUSE() _mm_pause()
#else
#define QFORGE_PAUSE() std::this_thread::yield()
#endif

namespace qforge {
namespace {

// How long an idle worker waits for the next job before it sleeps: spinning at first (jobs of one engine step
// follow each other within microseconds), then yielding its core to anything else runnable (more threads than
// cores: parallel test runs, a second engine), then asleep on the epoch (between steps: sampling, I/O).
constexpr auto kSpin = std::chrono::microseconds(30);
constexpr auto kSpinBeforeSleep = std::chrono::microseconds(300);

// Set while this thread runs a job: a job that dispatches again (nested parallelism) runs its part inline
// instead of waiting for workers that are busy with the outer job.
thread_local bool in_job = false;

}  // namespace

int ThreadPool::physical_cores() {
    // Distinct (physical id, core id) pairs from /proc/cpuinfo; hardware_concurrency as a fallback.
    std::ifstream in("/proc/cpuinfo");
    std::set<std::pair<std::string, std::string>> cores;
    std::string line, phys = "0";
    while (std::getline(in, line)) {
        const auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        const std::string key = line.substr(0, line.find_last_not_of(" \t", colon - 1) + 1);
        const std::string value = colon + 2 <= line.size() ? line.substr(colon + 2) : "";
        if (key == "physical id") phys = value;
        if (key == "core id") cores.emplace(phys, value);
    }
    if (!cores.empty()) return static_cast<int>(cores.size());
    const unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : static_cast<int>(n);
}

ThreadPool::ThreadPool(int n_threads) : n_threads_(n_threads > 0 ? n_threads : physical_cores()) {
    for (int i = 1; i < n_threads_; ++i) threads_.emplace_back([this, i] { worker(i); });
}

ThreadPool::~ThreadPool() {
    stop_.store(true);
    epoch_.fetch_add(1);
    epoch_.notify_all();
    for (auto& t : threads_) t.join();
}

void ThreadPool::worker(int index) {
    std::uint32_t seen = 0;
    for (;;) {
        // spin for the next job, then sleep on the epoch
        std::uint32_t now = epoch_.load(std::memory_order_acquire);
        if (now == seen) {
            const auto start = std::chrono::steady_clock::now();
            bool yielding = false;
            int spins = 0;
            while ((now = epoch_.load(std::memory_order_acquire)) == seen) {
                if (yielding) std::this_thread::yield();
                else QFORGE_PAUSE();
                if (++spins % 64 != 0) continue;
                const auto waited = std::chrono::steady_clock::now() - start;
                yielding = waited > kSpin;
                if (waited > kSpinBeforeSleep) {
                    sleepers_.fetch_add(1);
                    epoch_.wait(seen);
                    sleepers_.fetch_sub(1);
                }
            }
        }
        seen = now;
        if (stop_.load(std::memory_order_acquire)) return;
        in_job = true;
        job_(job_ctx_, index, n_threads_);
        in_job = false;
        pending_.fetch_sub(1, std::memory_order_acq_rel);
    }
}

void ThreadPool::dispatch(JobFn fn, void* ctx) {
    if (n_threads_ == 1 || in_job) {
        fn(ctx, 0, 1);
        return;
    }
    job_ = fn;
    job_ctx_ = ctx;
    pending_.store(n_threads_ - 1, std::memory_order_relaxed);
    epoch_.fetch_add(1, std::memory_order_acq_rel);
    if (sleepers_.load() > 0) epoch_.notify_all();
    // Jobs must not throw (a worker's exception would end the process); the caller's part is guarded so the
    // workers are always waited for.
    struct Join {
        std::atomic<int>& pending;
        ~Join() {
            in_job = false;
            // the others finish within microseconds unless the machine is oversubscribed: then yield the core
            int spins = 0;
            while (pending.load(std::memory_order_acquire) != 0) {
                QFORGE_PAUSE();
                if (++spins > 4096) std::this_thread::yield();
            }
        }
    } join{pending_};
    in_job = true;
    fn(ctx, 0, n_threads_);
}

}  // namespace qforge
