#include "core/atomic_file.h"

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <filesystem>
#include <mutex>
#include <unistd.h>

#include "core/error.h"

namespace qforge {
namespace {

// Named temporaries to remove on a fatal signal. Fixed-size so the handler touches no allocator.
constexpr std::size_t kMaxTemps = 16;
std::array<std::atomic<const char*>, kMaxTemps> g_temps{};
std::once_flag g_handlers_once;

void on_fatal_signal(int sig) {
    for (auto& slot : g_temps) {
        const char* p = slot.load();
        if (p != nullptr) ::unlink(p);
    }
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}

void install_handlers() {
    std::call_once(g_handlers_once, [] {
        for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
            struct sigaction sa {};
            sa.sa_handler = on_fatal_signal;
            sigemptyset(&sa.sa_mask);
            ::sigaction(sig, &sa, nullptr);
        }
    });
}

void register_temp(const char* path) {
    for (auto& slot : g_temps) {
        const char* expected = nullptr;
        if (slot.compare_exchange_strong(expected, path)) return;
    }
}

void unregister_temp(const char* path) {
    for (auto& slot : g_temps) {
        const char* expected = path;
        if (slot.compare_exchange_strong(expected, nullptr)) return;
    }
}

}  // namespace

void unlink_on_fatal_signal(const std::string& path) {
    install_handlers();
    register_temp(path.c_str());
}

void forget_on_fatal_signal(const std::string& path) { unregister_temp(path.c_str()); }

namespace {

std::string directory_of(const std::string& target) {
    auto parent = std::filesystem::path(target).parent_path();
    return parent.empty() ? std::string(".") : parent.string();
}

}  // namespace

AtomicFile::AtomicFile(std::string target) : target_(std::move(target)) {
    const std::string dir = directory_of(target_);
    fd_ = ::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
    if (fd_ < 0) {
        install_handlers();
        temp_path_ = target_ + ".tmp.XXXXXX";
        fd_ = ::mkstemp(temp_path_.data());
        if (fd_ < 0) fail("{}: cannot create a temporary file beside it: {}", target_, std::strerror(errno));
        ::fchmod(fd_, 0644);
        register_temp(temp_path_.c_str());
    }
}

AtomicFile::~AtomicFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_ && !temp_path_.empty()) {
        ::unlink(temp_path_.c_str());
        unregister_temp(temp_path_.c_str());
    }
}

void AtomicFile::write(const void* data, std::size_t n) {
    const auto* p = static_cast<const std::uint8_t*>(data);
    while (n > 0) {
        ssize_t w = ::write(fd_, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            fail("{}: write failed: {}", target_, std::strerror(errno));
        }
        p += w;
        n -= static_cast<std::size_t>(w);
        position_ += static_cast<std::uint64_t>(w);
    }
    constexpr std::uint64_t kWritebackChunk = std::uint64_t{64} << 20;
    if (position_ - flushed_ >= kWritebackChunk) {
        // start the disk on what is written (no wait); a filesystem without it just leaves it to fsync
        ::sync_file_range(fd_, static_cast<off_t>(flushed_), static_cast<off_t>(position_ - flushed_), SYNC_FILE_RANGE_WRITE);
        flushed_ = position_;
    }
}

void AtomicFile::write_zeros(std::size_t n) {
    static const std::uint8_t zeros[256] = {};
    while (n > 0) {
        std::size_t k = n < sizeof(zeros) ? n : sizeof(zeros);
        write(zeros, k);
        n -= k;
    }
}

void AtomicFile::commit() {
    if (committed_) return;
    if (::fsync(fd_) != 0) fail("{}: fsync failed: {}", target_, std::strerror(errno));
    if (temp_path_.empty()) {
        // Give the unnamed file a name beside the target, then rename it over the target.
        std::string link_path = target_ + ".tmp.XXXXXX";
        int probe = ::mkstemp(link_path.data());
        if (probe < 0) fail("{}: cannot create a temporary name: {}", target_, std::strerror(errno));
        ::close(probe);
        ::unlink(link_path.c_str());
        const std::string proc = "/proc/self/fd/" + std::to_string(fd_);
        if (::linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, link_path.c_str(), AT_SYMLINK_FOLLOW) != 0)
            fail("{}: cannot link the finished file: {}", target_, std::strerror(errno));
        if (::rename(link_path.c_str(), target_.c_str()) != 0) {
            int err = errno;
            ::unlink(link_path.c_str());
            fail("{}: cannot rename into place: {}", target_, std::strerror(err));
        }
    } else {
        if (::rename(temp_path_.c_str(), target_.c_str()) != 0)
            fail("{}: cannot rename into place: {}", target_, std::strerror(errno));
        unregister_temp(temp_path_.c_str());
    }
    ::close(fd_);
    fd_ = -1;
    committed_ = true;
}

}  // namespace qforge
