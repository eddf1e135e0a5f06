#include "formats/inventory_json.h"

namespace qforge {

nlohmann::json inventory_to_json(const Inventory& inv) {
    nlohmann::json j;
    j["path"] = inv.path;
    j["format"] = inv.format;
    j["file_bytes"] = inv.file_bytes;
    nlohmann::json md = nlohmann::json::array();
    for (const auto& e : inv.metadata) md.push_back({{"key", e.key}, {"type", e.type}, {"value", e.value}});
    j["metadata"] = md;
    nlohmann::json ts = nlohmann::json::array();
    for (const auto& t : inv.tensors)
        ts.push_back({{"name", t.name}, {"type", type_name(t.type)}, {"ne", t.ne}, {"bytes", t.bytes},
                      {"elements", t.elements}});
    j["tensors"] = ts;
    j["total_elements"] = inv.total_elements;
    j["total_bytes"] = inv.total_bytes;
    j["bits_per_weight"] = inv.bits_per_weight();
    return j;
}

}  // namespace qforge
