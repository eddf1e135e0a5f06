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
    // gguf-py's model_weight_count_rounded_notation (c392e509): scaled past 1e12, 1e9, 1e6, else thousands, with
    // as many decimals as keep two digits (max(2 - digits of round(scaled), 0), round half to even as Python's)
    double scaled = static_cast<double>(parameters);
    const char* suffix = "";
    if (scaled > 1e12) { scaled *= 1e-12; suffix = "T"; }
    else if (scaled > 1e9) { scaled *= 1e-9; suffix = "B"; }
    else if (scaled > 1e6) { scaled *= 1e-6; suffix = "M"; }
    else { scaled *= 1e-3; suffix = "K"; }
    const double r = std::nearbyint(scaled);
    const std::string whole = r == 0.0 ? "" : fmt::format("{:.0f}", r);
    const int decimals = std::max(2 - static_cast<int>(whole.size()), 0);
    return fmt::format("{:.{}f}{}", scaled, decimals, suffix);
}

}  // namespace qforge
