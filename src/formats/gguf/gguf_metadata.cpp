#include "formats/gguf/gguf_metadata.h"

#include "core/error.h"

namespace qforge {

void GgufMetadata::set(const std::string& key, GgufValue value) {
    auto it = index_.find(key);
    if (it != index_.end()) {
        items_[it->second].second = std::move(value);
        return;
    }
    index_.emplace(key, items_.size());
    items_.emplace_back(key, std::move(value));
}

void GgufMetadata::remove(const std::string& key) {
    auto it = index_.find(key);
    if (it == index_.end()) return;
    items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(it->second));
    index_.clear();
    for (std::size_t i = 0; i < items_.size(); ++i) index_.emplace(items_[i].first, i);
}

const GgufValue* GgufMetadata::find(const std::string& key) const {
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &items_[it->second].second;
}

const GgufValue& GgufMetadata::get(const std::string& key) const {
    const GgufValue* v = find(key);
    if (v == nullptr) fail("metadata key '{}' is missing", key);
    return *v;
}

std::optional<std::int64_t> GgufMetadata::get_int(const std::string& key) const {
    const GgufValue* v = find(key);
    if (v == nullptr) return std::nullopt;
    return v->as_int(key);
}

std::optional<double> GgufMetadata::get_float(const std::string& key) const {
    const GgufValue* v = find(key);
    if (v == nullptr) return std::nullopt;
    return v->as_float(key);
}

std::optional<std::string> GgufMetadata::get_string(const std::string& key) const {
    const GgufValue* v = find(key);
    if (v == nullptr) return std::nullopt;
    return v->as_string(key);
}

std::optional<bool> GgufMetadata::get_bool(const std::string& key) const {
    const GgufValue* v = find(key);
    if (v == nullptr) return std::nullopt;
    return v->as_bool(key);
}

}  // namespace qforge
