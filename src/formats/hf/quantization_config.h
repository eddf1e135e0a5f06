#pragma once
// The quantization settings of a GPTQ or AWQ checkpoint directory: `quantization_config` in config.json (what
// transformers and vLLM read; AutoAWQ and GPTQModel write it) or AutoGPTQ's quantize_config.json, and the
// JSON each tool writes for them.
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace qforge {

enum class QuantMethod { Gptq, Awq };

struct QuantizationConfig {
    QuantMethod method = QuantMethod::Gptq;
    int bits = 4;
    int group_size = 128;       // -1: one group per row
    bool symmetric = true;      // GPTQ `sym`; AWQ `zero_point` false
    bool desc_act = false;      // GPTQ act-order: g_idx is not i / group_size
    bool static_groups = false;
    double damp_percent = 0.01;
    bool gptq_v2 = false;       // GPTQ zero points stored as they are (GPTQModel's gptq_v2), not minus one
    std::string awq_version = "gemm";  // AWQ: gemm | gemv
    std::string source;         // the file the settings came from, for messages

    std::string describe() const;  // "GPTQ INT4 g128 sym" / "AWQ GEMM INT4 g128"
};

// From a checkpoint's config.json object and directory; nullopt for a float checkpoint. Settings qforge cannot
// read (another quant_method, bits outside 2/3/4/8, AWQ other than 4-bit GEMM/GEMV) are errors naming the file.
std::optional<QuantizationConfig> read_quantization_config(const nlohmann::json& config, const std::string& dir);

// AutoGPTQ's quantize_config.json (also written as config.json's quantization_config) or AutoAWQ's
// quantization_config.
nlohmann::json quantization_config_json(const QuantizationConfig& config);

}  // namespace qforge
