#include "scratch_dir.h"

#include <cstdlib>
#include <fstream>

namespace qforge::fuzz {

const std::string& scratch_dir() {
    static const std::string dir = [] {
        std::string tmpl = "/tmp/qforge-fuzz-XXXXXX";
        if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
        return tmpl;
    }();
    return dir;
}

void write_file(const std::string& path, const std::uint8_t* data, std::size_t size) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
}

}  // namespace qforge::fuzz
