#pragma once
// A progress bar on stderr for long work. Drawn in place on a terminal; on a pipe or file it prints at most
// one line per 5 seconds so logs stay short. Silent when disabled.
#include <chrono>
#include <cstdint>
#include <string>

namespace qforge {

class Progress {
public:
    Progress(std::string label, std::uint64_t total, bool enabled = true);
    ~Progress();
    void advance(std::uint64_t amount, const std::string& item = {});
    void finish();

private:
    void draw(const std::string& item);
    std::string label_;
    std::uint64_t total_;
    std::uint64_t done_ = 0;
    bool enabled_;
    bool tty_;
    bool finished_ = false;
    std::chrono::steady_clock::time_point start_;
    std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace qforge
