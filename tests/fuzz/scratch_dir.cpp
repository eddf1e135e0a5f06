#include "scratch_dir.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace qforge::fuzz {

namespace {

// Removes the directory when the process exits normally (a replay run; libFuzzer's crash exits leave it for
// inspection).
struct ScratchDir {
    std::string path;
    ScratchDir() {
        std::string tmpl = "/tmp/qforge-fuzz-XXXXXX";
        if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
        path = tmpl;
    }
    ~ScratchDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
};

}  // namespace

const std::string& scratch_dir() {
    static const ScratchDir dir;
    return dir.path;
}

void write_file(const std::string& path, const std::uint8_t* data, std::size_t size) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
}

}  // namespace qforge::fuzz
