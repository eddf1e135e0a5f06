#pragma once
// The FP8 settings of a checkpoint's config.json quantization_config, in the two forms vLLM loads:
// - vLLM's "fp8" method (AutoFP8's per-tensor files; DeepSeek-V3's and Qwen3's block-wise files):
//   {"quant_method": "fp8", "activation_scheme": "dynamic"|"static", "weight_block_size": [128, 128]?,
//    "ignored_layers" / "modules_to_not_convert": [...]}; per linear `weight` F8_E4M3 with `weight_scale` (one
//   value) or, block-wise, `weight_scale_inv` [ceil(out/128), ceil(in/128)];
// - compressed-tensors' float-quantized format (llm-compressor's FP8_DYNAMIC): config_groups whose weights are
//   {"type": "float", "num_bits": 8, "strategy": "tensor"|"channel"|"block"}, `weight_scale` [1], [out, 1] or the
//   block grid, with "ignore": [...].
// Both multiply: w = q * scale.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace qforge {

enum class Fp8Scheme : std::uint8_t { Tensor, Channel, Block };

struct Fp8Config {
    Fp8Scheme scheme = Fp8Scheme::Channel;
    bool compressed_tensors = true;     // the form written: compressed-tensors (tensor, channel) or vLLM's "fp8"
    std::int64_t block_rows = 128, block_cols = 128;
    bool static_activations = false;    // input_scale tensors present (read; qforge computes activations in float)
    std::vector<std::string> ignored = {"lm_head"};  // modules kept in float
    std::string source;                 // the file, for messages

    std::string describe() const;       // "FP8 E4M3 per-channel"
    // The span one scale covers in a rows x cols weight.
    std::int64_t span_rows(std::int64_t rows) const;
    std::int64_t span_cols(std::int64_t cols) const;
};

// True for a quantization_config object in either FP8 form (read_quantization_config leaves these to this reader).
bool is_fp8_quantization_config(const nlohmann::json& q);
// From config.json; nullopt when it has no FP8 quantization_config. Errors name the file and the field.
std::optional<Fp8Config> read_fp8_config(const nlohmann::json& config, const std::string& dir);
// Per-tensor and block-wise: vLLM's "fp8" method; per-channel: compressed-tensors (the "fp8" method takes one
// scale per tensor only).
nlohmann::json fp8_config_json(const Fp8Config& config);

}  // namespace qforge
