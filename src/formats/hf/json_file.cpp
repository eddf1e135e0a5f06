#include "formats/hf/json_file.h"

#include <fstream>
#include <sstream>

#include "core/error.h"

namespace qforge {

nlohmann::json read_json_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail("{}: cannot open", path);
    std::stringstream ss;
    ss << in.rdbuf();
    try {
        return nlohmann::json::parse(ss.str());
    } catch (const nlohmann::json::exception& e) {
        fail("{}: not valid JSON: {}", path, e.what());
    }
}

namespace {

const nlohmann::json* field(const nlohmann::json& obj, const char* key) {
    if (!obj.is_object()) return nullptr;
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return nullptr;
    return &*it;
}

}  // namespace

std::optional<std::string> json_string(const nlohmann::json& obj, const char* key, const std::string& where) {
    const auto* f = field(obj, key);
    if (f == nullptr) return std::nullopt;
    if (!f->is_string()) fail("{}: field '{}' must be a string", where, key);
    return f->get<std::string>();
}

std::optional<bool> json_bool(const nlohmann::json& obj, const char* key, const std::string& where) {
    const auto* f = field(obj, key);
    if (f == nullptr) return std::nullopt;
    if (!f->is_boolean()) fail("{}: field '{}' must be true or false", where, key);
    return f->get<bool>();
}

std::optional<double> json_number(const nlohmann::json& obj, const char* key, const std::string& where) {
    const auto* f = field(obj, key);
    if (f == nullptr) return std::nullopt;
    if (!f->is_number()) fail("{}: field '{}' must be a number", where, key);
    return f->get<double>();
}

}  // namespace qforge
