#include "core/progress.h"

#include <cstdio>
#include <unistd.h>

#include <fmt/format.h>

namespace qforge {

Progress::Progress(std::string label, std::uint64_t total, bool enabled)
    : label_(std::move(label)), total_(total == 0 ? 1 : total), enabled_(enabled),
      tty_(::isatty(STDERR_FILENO) == 1), start_(std::chrono::steady_clock::now()) {}

Progress::~Progress() {
    if (enabled_ && tty_ && !finished_ && done_ > 0) std::fputc('\n', stderr);
}

void Progress::advance(std::uint64_t amount, const std::string& item) {
    done_ += amount;
    if (done_ > total_) done_ = total_;
    draw(item);
}

void Progress::finish() {
    if (finished_) return;
    done_ = total_;
    draw({});
    finished_ = true;
    if (enabled_ && tty_) std::fputc('\n', stderr);
}

void Progress::draw(const std::string& item) {
    if (!enabled_) return;
    const double frac = static_cast<double>(done_) / static_cast<double>(total_);
    const auto now = std::chrono::steady_clock::now();
    const double secs = std::chrono::duration<double>(now - start_).count();
    if (tty_) {
        if (done_ < total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
        last_draw_ = now;
        constexpr int width = 30;
        const int filled = static_cast<int>(frac * width);
        std::string bar(static_cast<std::size_t>(filled), '#');
        bar.resize(width, '.');
        std::string tail = item.size() > 40 ? item.substr(0, 37) + "..." : item;
        fmt::print(stderr, "\r{} [{}] {:5.1f}% {:6.1f}s {:<40}", label_, bar, frac * 100.0, secs, tail);
        std::fflush(stderr);
    } else {
        // Logs get a line every 5 seconds at most, so short jobs stay quiet.
        if (now - last_draw_ < std::chrono::seconds(5) || done_ == total_) return;
        if (last_draw_ == std::chrono::steady_clock::time_point{}) {
            last_draw_ = now;
            return;
        }
        last_draw_ = now;
        fmt::print(stderr, "{}: {:5.1f}% ({:.1f}s)\n", label_, frac * 100.0, secs);
    }
}

}  // namespace qforge
