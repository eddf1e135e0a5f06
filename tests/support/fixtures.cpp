#include "support/fixtures.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace qforge::test {
namespace fs = std::filesystem;

std::string shared_dir() {
    const char* env = std::getenv("QFORGE_SHARED");
    const std::string dir = env != nullptr && *env != '\0' ? env : QFORGE_DEFAULT_SHARED;
    if (!fs::is_directory(fs::path(dir) / "fixtures")) {
        ADD_FAILURE() << "shared fixtures not found at " << dir
                      << "/fixtures: put ../shared beside the checkout or set QFORGE_SHARED";
        std::abort();
    }
    return dir;
}

std::string fixture(const std::string& relative) {
    const fs::path p = fs::path(shared_dir()) / "fixtures" / relative;
    if (!fs::exists(p)) {
        ADD_FAILURE() << "missing fixture " << p;
        std::abort();
    }
    return p.string();
}

std::string read_file_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace qforge::test
