#include "core/scratch_path.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>

#include <fmt/format.h>

#include "core/atomic_file.h"

namespace qforge {

ScratchPath::ScratchPath(const std::string& suffix) {
    static std::atomic<unsigned> counter{0};
    path_ = (std::filesystem::temp_directory_path() / fmt::format("qforge-{}-{}{}", ::getpid(), counter++, suffix)).string();
    unlink_on_fatal_signal(path_);
}

ScratchPath::~ScratchPath() {
    forget_on_fatal_signal(path_);
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

}  // namespace qforge
