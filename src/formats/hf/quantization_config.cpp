#include "formats/hf/quantization_config.h"

#include <cctype>
#include <filesystem>

#include <fmt/format.h>

#include "core/error.h"
#include "formats/hf/fp8_config.h"
#include "formats/hf/json_file.h"
#include "formats/mlx_lm/mlx_config.h"

namespace qforge {
namespace fs = std::filesystem;
namespace {

int int_field(const nlohmann::json& obj, const char* key, int fallback, const std::string& where) {
    const auto v = json_number(obj, key, where);
    if (!v) return fallback;
    if (*v != static_cast<double>(static_cast<int>(*v))) fail("{}: '{}' is {} (expected an integer)", where, key, *v);
    return static_cast<int>(*v);
}

QuantizationConfig read_gptq(const nlohmann::json& q, const std::string& where) {
    QuantizationConfig c;
    c.method = QuantMethod::Gptq;
    c.source = where;
    c.bits = int_field(q, "bits", 4, where);
    c.group_size = int_field(q, "group_size", -1, where);
    c.symmetric = json_bool(q, "sym", where).value_or(true);
    c.desc_act = json_bool(q, "desc_act", where).value_or(false);
    c.static_groups = json_bool(q, "static_groups", where).value_or(false);
    c.damp_percent = json_number(q, "damp_percent", where).value_or(0.01);
    // GPTQModel names the layout `checkpoint_format` or `format`; gptq_v2 stores zero points as they are
    std::string layout = json_string(q, "checkpoint_format", where).value_or("");
    if (layout.empty()) layout = json_string(q, "format", where).value_or("gptq");
    if (json_bool(q, "is_marlin_format", where).value_or(false)) layout = "marlin";
    if (layout == "gptq_v2") c.gptq_v2 = true;
    else if (layout != "gptq")
        fail("{}: GPTQ checkpoint_format '{}' (qforge reads gptq and gptq_v2)", where, layout);
    if (c.bits != 2 && c.bits != 3 && c.bits != 4 && c.bits != 8) fail("{}: 'bits' is {} (GPTQ checkpoints hold 2, 3, 4 or 8)", where, c.bits);
    if (c.group_size != -1 && c.group_size < 1) fail("{}: 'group_size' is {} (expected -1 or a positive number)", where, c.group_size);
    return c;
}

QuantizationConfig read_awq(const nlohmann::json& q, const std::string& where) {
    QuantizationConfig c;
    c.method = QuantMethod::Awq;
    c.source = where;
    c.bits = int_field(q, "bits", int_field(q, "w_bit", 4, where), where);
    c.group_size = int_field(q, "group_size", int_field(q, "q_group_size", 128, where), where);
    c.symmetric = !json_bool(q, "zero_point", where).value_or(true);
    std::string version = json_string(q, "version", where).value_or("gemm");
    for (auto& ch : version) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    c.awq_version = version;
    if (version != "gemm" && version != "gemv")
        fail("{}: AWQ version '{}' (qforge reads gemm and gemv)", where, version);
    if (c.bits != 4) fail("{}: 'bits' is {} (AutoAWQ's GEMM and GEMV layouts are 4-bit)", where, c.bits);
    if (c.symmetric) fail("{}: 'zero_point' is false; AutoAWQ's GEMM and GEMV layouts store zero points", where);
    if (c.group_size != -1 && c.group_size < 1) fail("{}: 'group_size' is {} (expected -1 or a positive number)", where, c.group_size);
    return c;
}

QuantizationConfig read_any(const nlohmann::json& q, const std::string& where) {
    if (!q.is_object()) fail("{}: expected a JSON object", where);
    std::string method = json_string(q, "quant_method", where).value_or("gptq");
    for (auto& ch : method) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (method == "gptq") return read_gptq(q, where);
    if (method == "awq") return read_awq(q, where);
    fail("{}: quant_method '{}' (qforge reads gptq and awq checkpoints)", where, method);
}

}  // namespace

std::string QuantizationConfig::describe() const {
    const std::string group = group_size == -1 ? "per-row" : fmt::format("g{}", group_size);
    if (method == QuantMethod::Awq) return fmt::format("AWQ {} INT{} {}", awq_version == "gemv" ? "GEMV" : "GEMM", bits, group);
    return fmt::format("GPTQ{} INT{} {} {}{}", gptq_v2 ? " v2" : "", bits, group, symmetric ? "sym" : "asym", desc_act ? " act-order" : "");
}

std::optional<QuantizationConfig> read_quantization_config(const nlohmann::json& config, const std::string& dir) {
    const std::string config_path = (fs::path(dir) / "config.json").string();
    if (has_mlx_quantization(config)) return std::nullopt;  // mlx_config reads those (its mirror has no quant_method)
    if (config.is_object()) {
        const auto it = config.find("quantization_config");
        if (it != config.end() && !it->is_null()) {
            if (is_fp8_quantization_config(*it)) return std::nullopt;  // fp8_config reads those
            return read_any(*it, config_path + ": quantization_config");
        }
    }
    const fs::path gptq = fs::path(dir) / "quantize_config.json";
    if (fs::exists(gptq)) return read_any(read_json_file(gptq.string()), gptq.string());
    return std::nullopt;
}

nlohmann::json quantization_config_json(const QuantizationConfig& c) {
    if (c.method == QuantMethod::Awq)
        return {{"quant_method", "awq"}, {"zero_point", !c.symmetric}, {"group_size", c.group_size}, {"bits", c.bits},
                {"version", c.awq_version}, {"modules_to_not_convert", nullptr}};
    return {{"bits", c.bits},
            {"group_size", c.group_size},
            {"damp_percent", c.damp_percent},
            {"desc_act", c.desc_act},
            {"static_groups", c.static_groups},
            {"sym", c.symmetric},
            {"true_sequential", true},
            {"model_name_or_path", nullptr},
            {"model_file_base_name", "model"},
            {"quant_method", "gptq"},
            {"checkpoint_format", c.gptq_v2 ? "gptq_v2" : "gptq"}};
}

}  // namespace qforge
