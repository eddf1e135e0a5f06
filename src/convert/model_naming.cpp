#include "convert/model_naming.h"

#include <cctype>
#include <algorithm>
#include <cmath>
#include <filesystem>

#include <fmt/format.h>

namespace qforge {

std::string model_name_from_path(const std::string& path) {
    std::filesystem::path p(path);
    if (p.filename().empty()) p = p.parent_path();
    std::string name = p.filename().string();
    // Python's str.title(): a letter is upper-cased when it follows a non-letter, lower-cased otherwise.
    bool prev_letter = false;
    for (char& c : name) {
        if (c == '-' || c == '_') c = ' ';
        const bool letter = std::isalpha(static_cast<unsigned char>(c)) != 0;
        if (letter) c = static_cast<char>(prev_letter ? std::tolower(static_cast<unsigned char>(c)) : std::toupper(static_cast<unsigned char>(c)));
        prev_letter = letter;
    }
    return name;
}

std::string size_label(std::uint64_t parameters) {
    double scaled = static_cast<double>(parameters);
    const char* suffix = "";
    if (parameters >= 1'000'000'000'000ull) { scaled /= 1e12; suffix = "T"; }
    else if (parameters >= 1'000'000'000ull) { scaled /= 1e9; suffix = "B"; }
    else if (parameters >= 1'000'000ull) { scaled /= 1e6; suffix = "M"; }
    else { scaled /= 1e3; suffix = "K"; }
    const int digits = scaled > 0 ? static_cast<int>(std::floor(std::log10(scaled))) : 0;
    const int keep = std::max(0, 1 - digits);  // two significant digits ...
    const double rounded = std::round(scaled * std::pow(10.0, keep)) / std::pow(10.0, keep);
    return fmt::format("{:.{}f}{}", rounded, std::max(1, keep), suffix);  // ... printed like a Python float ("68.0")
}

}  // namespace qforge
