#pragma once
// Ordered GGUF key/value store: keys keep the order they were read or set in, so files round-trip exactly.
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "formats/gguf/gguf_value.h"

namespace qforge {

class GgufMetadata {
public:
    // Replaces the value of an existing key in place, or appends a new key.
    void set(const std::string& key, GgufValue value);
    void remove(const std::string& key);
    const GgufValue* find(const std::string& key) const;
    bool contains(const std::string& key) const { return find(key) != nullptr; }
    const GgufValue& get(const std::string& key) const;  // throws naming the key when absent

    std::optional<std::int64_t> get_int(const std::string& key) const;
    std::optional<double> get_float(const std::string& key) const;
    std::optional<std::string> get_string(const std::string& key) const;
    std::optional<bool> get_bool(const std::string& key) const;

    const std::vector<std::pair<std::string, GgufValue>>& items() const { return items_; }
    std::size_t size() const { return items_.size(); }
    bool operator==(const GgufMetadata& o) const { return items_ == o.items_; }

private:
    std::vector<std::pair<std::string, GgufValue>> items_;
    std::unordered_map<std::string, std::size_t> index_;
};

}  // namespace qforge
