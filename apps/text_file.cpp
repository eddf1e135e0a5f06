#include "text_file.h"

#include <fstream>
#include <sstream>

#include "core/error.h"

namespace qforge::cli {

std::string read_text_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail("{}: cannot open", path);
    std::stringstream ss;
    ss << in.rdbuf();
    if (in.bad()) fail("{}: read error", path);
    return ss.str();
}

}  // namespace qforge::cli
