#include "formats/mlx_lm/mlx_config.h"

#include <filesystem>

#include <fmt/format.h>

#include "core/error.h"

namespace qforge {
namespace fs = std::filesystem;
namespace {

MlxGrid read_grid(const nlohmann::json& o, const MlxGrid& fallback, const std::string& where) {
    MlxGrid g = fallback;
    if (auto m = o.find("mode"); m != o.end() && !m->is_null()) {
        if (!m->is_string() || m->get<std::string>() != "affine")
            fail("{}: mode {} (qforge reads MLX's affine mode)", where, m->dump());
    }
    if (auto b = o.find("bits"); b != o.end() && !b->is_null()) {
        if (!b->is_number_integer() || !mlx_bits_supported(b->get<int>())) fail("{}: 'bits' is {} (MLX takes 2, 3, 4, 5, 6 or 8)", where, b->dump());
        g.bits = b->get<int>();
    }
    if (auto s = o.find("group_size"); s != o.end()) {
        if (s->is_null()) g.group_size = 64;  // mlx-lm's mixed predicates leave it null: to_quantized's default
        else if (!s->is_number_integer() || !mlx_group_supported(s->get<int>()))
            fail("{}: 'group_size' is {} (MLX takes 32, 64 or 128)", where, s->dump());
        else g.group_size = s->get<int>();
    }
    return g;
}

}  // namespace

bool mlx_bits_supported(int bits) { return bits == 2 || bits == 3 || bits == 4 || bits == 5 || bits == 6 || bits == 8; }
bool mlx_group_supported(int g) { return g == 32 || g == 64 || g == 128; }

MlxGrid MlxQuantization::grid_of(const std::string& module) const {
    auto it = overrides.find(module);
    return it != overrides.end() ? it->second : global;
}

std::string MlxQuantization::describe() const {
    return fmt::format("MLX affine INT{} g{}{}", global.bits, global.group_size, overrides.empty() ? "" : ", mixed");
}

bool has_mlx_quantization(const nlohmann::json& config) {
    if (!config.is_object()) return false;
    auto it = config.find("quantization");
    return it != config.end() && it->is_object();
}

std::optional<MlxQuantization> read_mlx_quantization(const nlohmann::json& config, const std::string& dir) {
    if (!has_mlx_quantization(config)) return std::nullopt;
    const std::string where = (fs::path(dir) / "config.json").string() + ": quantization";
    const nlohmann::json& q = config["quantization"];
    MlxQuantization m;
    m.source = where;
    MlxGrid defaults;
    defaults.group_size = 64;
    defaults.bits = 4;
    if (!q.contains("bits") || !q.contains("group_size")) fail("{}: 'bits' and 'group_size' are required", where);
    m.global = read_grid(q, defaults, where);
    for (const auto& [key, v] : q.items()) {
        if (key == "bits" || key == "group_size" || key == "mode") continue;
        if (v.is_boolean()) {
            if (!v.get<bool>()) m.excluded.insert(key);
        } else if (v.is_object()) {
            m.overrides[key] = read_grid(v, m.global, where + "." + key);
        } else {
            fail("{}: entry '{}' must be an object or a boolean", where, key);
        }
    }
    return m;
}

nlohmann::json mlx_quantization_json(const MlxQuantization& q) {
    nlohmann::json j = {{"group_size", q.global.group_size}, {"bits", q.global.bits}, {"mode", "affine"}};
    for (const auto& [module, g] : q.overrides) j[module] = {{"group_size", g.group_size}, {"bits", g.bits}, {"mode", "affine"}};
    for (const auto& module : q.excluded) j[module] = false;
    return j;
}

}  // namespace qforge
