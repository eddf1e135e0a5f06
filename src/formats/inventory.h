#pragma once
// What a model file or directory holds, in any supported format: its metadata as key/value text, its tensor
// table, and totals. `qforge inspect` prints this.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/tensor_type.h"

namespace qforge {

struct InventoryEntry {
    std::string key;
    std::string type;     // GGUF value type, or "json" / "int" for other formats
    std::string display;  // abbreviated for humans
    nlohmann::json value; // complete, for --json
};

struct InventoryTensor {
    std::string name;
    TensorType type;
    std::vector<std::int64_t> ne;
    std::uint64_t bytes = 0;
    std::uint64_t elements = 0;
};

struct Inventory {
    std::string path;
    std::string format;
    std::vector<InventoryEntry> metadata;
    std::vector<InventoryTensor> tensors;
    std::uint64_t total_elements = 0;
    std::uint64_t total_bytes = 0;
    std::uint64_t file_bytes = 0;
    double bits_per_weight() const {
        return total_elements ? 8.0 * static_cast<double>(total_bytes) / static_cast<double>(total_elements) : 0.0;
    }
};

Inventory take_inventory(const std::string& path);

}  // namespace qforge
