#include "core/scratch_path.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>

#include <fmt/format.h>

namespace qforge {

ScratchPath::ScratchPath(const std::string& suffix) {
    static std::atomic<unsigned> counter{0};
    path_ = (std::filesystem::temp_directory_path() / fmt::format("qforge-{}-{}{}", ::getpid(), counter++, suffix)).string();
}

ScratchPath::~ScratchPath() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

}  // namespace qforge
