#pragma once
// The quantization settings of an mlx-lm model directory (ml-explore/mlx-lm, mlx_lm/utils.py): config.json's
// "quantization" block, mirrored as "quantization_config" without a quant_method:
//   {"group_size": 64, "bits": 4, "mode": "affine", "model.layers.0.mlp.down_proj": {"group_size": 64,
//    "bits": 6, "mode": "affine"}, "model.layers.1.mlp.gate": false, ...}
// A module's entry overrides the global bits and group size (false: kept in float; a null group size is 64,
// as mlx's to_quantized takes it). Only the affine mode (w = scale * q + bias) is read.
#include <map>
#include <optional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

namespace qforge {

struct MlxGrid {
    int bits = 4, group_size = 64;
    bool operator==(const MlxGrid&) const = default;
};

struct MlxQuantization {
    MlxGrid global;
    std::map<std::string, MlxGrid> overrides;  // module path ("model.layers.0.mlp.down_proj") -> its grid
    std::set<std::string> excluded;            // modules an entry keeps in float
    std::string source;

    MlxGrid grid_of(const std::string& module) const;
    std::string describe() const;  // "MLX affine INT4 g64" (", mixed" with overrides)
};

// True when config.json has mlx-lm's "quantization" block.
bool has_mlx_quantization(const nlohmann::json& config);
std::optional<MlxQuantization> read_mlx_quantization(const nlohmann::json& config, const std::string& dir);
// The "quantization" block (written twice: also as "quantization_config", as mlx-lm saves it).
nlohmann::json mlx_quantization_json(const MlxQuantization& q);

// The bits and group sizes mlx's affine mode takes.
bool mlx_bits_supported(int bits);
bool mlx_group_supported(int group_size);

}  // namespace qforge
