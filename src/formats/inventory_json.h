#pragma once
#include <nlohmann/json.hpp>

#include "formats/inventory.h"

namespace qforge {

// The machine-readable form of an Inventory: path, format, file_bytes, metadata [{key,type,value}],
// tensors [{name,type,ne,bytes,elements}], total_elements, total_bytes, bits_per_weight.
nlohmann::json inventory_to_json(const Inventory& inv);

}  // namespace qforge
