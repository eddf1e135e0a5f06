#pragma once
// Reads JSON files and typed fields, turning I/O, syntax and type errors into one-line errors naming the file.
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace qforge {

nlohmann::json read_json_file(const std::string& path);

// Typed optional fields of a JSON object. Absent or null (or `obj` not an object) gives nullopt; a value of
// another type is an Error naming `where` and the key. (nlohmann's value() would throw its own exception.)
std::optional<std::string> json_string(const nlohmann::json& obj, const char* key, const std::string& where);
std::optional<bool> json_bool(const nlohmann::json& obj, const char* key, const std::string& where);
std::optional<double> json_number(const nlohmann::json& obj, const char* key, const std::string& where);

}  // namespace qforge
