#include "formats/hf/fp8_config.h"

#include <filesystem>

#include <fmt/format.h>

#include "core/error.h"
#include "formats/hf/json_file.h"

namespace qforge {
namespace fs = std::filesystem;
namespace {

std::string lower(std::string s) {
    for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return s;
}

std::vector<std::string> string_list(const nlohmann::json& q, const char* key, const std::string& where) {
    std::vector<std::string> out;
    auto it = q.find(key);
    if (it == q.end() || it->is_null()) return out;
    if (!it->is_array()) fail("{}: '{}' must be a list of module names", where, key);
    for (const auto& v : *it) {
        if (!v.is_string()) fail("{}: '{}' holds a value that is not a module name", where, key);
        out.push_back(v.get<std::string>());
    }
    return out;
}

Fp8Config read_vllm_fp8(const nlohmann::json& q, const std::string& where) {
    Fp8Config c;
    c.compressed_tensors = false;
    c.scheme = Fp8Scheme::Tensor;
    const auto act = json_string(q, "activation_scheme", where);
    if (!act) fail("{}: 'activation_scheme' is missing (vLLM's fp8 method requires dynamic or static)", where);
    if (*act != "dynamic" && *act != "static") fail("{}: 'activation_scheme' is '{}' (expected dynamic or static)", where, *act);
    c.static_activations = *act == "static";
    if (auto fmt_it = q.find("fmt"); fmt_it != q.end() && fmt_it->is_string() && lower(fmt_it->get<std::string>()) != "e4m3")
        fail("{}: 'fmt' is '{}' (qforge reads E4M3 weights)", where, fmt_it->get<std::string>());
    if (auto b = q.find("weight_block_size"); b != q.end() && !b->is_null()) {
        if (!b->is_array() || b->size() != 2 || !(*b)[0].is_number_integer() || !(*b)[1].is_number_integer() || (*b)[0].get<std::int64_t>() <= 0 ||
            (*b)[1].get<std::int64_t>() <= 0)
            fail("{}: 'weight_block_size' must be two positive integers", where);
        c.scheme = Fp8Scheme::Block;
        c.block_rows = (*b)[0].get<std::int64_t>();
        c.block_cols = (*b)[1].get<std::int64_t>();
    }
    c.ignored = string_list(q, "ignored_layers", where);
    if (c.ignored.empty()) c.ignored = string_list(q, "modules_to_not_convert", where);
    return c;
}

Fp8Config read_compressed_tensors(const nlohmann::json& q, const std::string& where) {
    Fp8Config c;
    c.compressed_tensors = true;
    const auto groups = q.find("config_groups");
    if (groups == q.end() || !groups->is_object() || groups->empty()) fail("{}: 'config_groups' is missing", where);
    bool first = true;
    for (const auto& [name, g] : groups->items()) {
        const std::string gw = where + " config_groups." + name;
        if (!g.is_object() || !g.contains("weights") || !g["weights"].is_object()) fail("{}: 'weights' is missing", gw);
        const auto& w = g["weights"];
        const std::string type = json_string(w, "type", gw + ".weights").value_or("int");
        const double bits = json_number(w, "num_bits", gw + ".weights").value_or(0);
        if (type != "float" || bits != 8)
            fail("{}: weights of type '{}' with {} bits (qforge reads compressed-tensors' 8-bit float weights)", gw, type, bits);
        const std::string strategy = json_string(w, "strategy", gw + ".weights").value_or("tensor");
        Fp8Scheme s;
        if (strategy == "tensor") s = Fp8Scheme::Tensor;
        else if (strategy == "channel") s = Fp8Scheme::Channel;
        else if (strategy == "block") s = Fp8Scheme::Block;
        else fail("{}: weights' strategy '{}' (expected tensor, channel or block)", gw, strategy);
        if (s == Fp8Scheme::Block) {
            const auto b = w.find("block_structure");
            if (b == w.end() || !b->is_array() || b->size() != 2 || !(*b)[0].is_number_integer() || !(*b)[1].is_number_integer())
                fail("{}: a block strategy needs 'block_structure' [rows, cols]", gw);
            c.block_rows = (*b)[0].get<std::int64_t>();
            c.block_cols = (*b)[1].get<std::int64_t>();
        }
        if (!first && s != c.scheme) fail("{}: groups with different weight strategies are not supported", where);
        c.scheme = s;
        first = false;
        if (g.contains("input_activations") && g["input_activations"].is_object())
            c.static_activations = !json_bool(g["input_activations"], "dynamic", gw + ".input_activations").value_or(true);
    }
    c.ignored = string_list(q, "ignore", where);
    return c;
}

}  // namespace

bool is_fp8_quantization_config(const nlohmann::json& q) {
    if (!q.is_object()) return false;
    auto m = q.find("quant_method");
    if (m == q.end() || !m->is_string()) return false;
    const std::string method = lower(m->get<std::string>());
    if (method == "fp8") return true;
    if (method != "compressed-tensors") return false;
    auto f = q.find("format");
    return f != q.end() && f->is_string() && f->get<std::string>() == "float-quantized";
}

std::string Fp8Config::describe() const {
    switch (scheme) {
        case Fp8Scheme::Tensor: return "FP8 E4M3 per-tensor";
        case Fp8Scheme::Channel: return "FP8 E4M3 per-channel";
        case Fp8Scheme::Block: return fmt::format("FP8 E4M3 {}x{} blocks", block_rows, block_cols);
    }
    return "FP8";
}

std::int64_t Fp8Config::span_rows(std::int64_t rows) const { return scheme == Fp8Scheme::Block ? block_rows : scheme == Fp8Scheme::Channel ? 1 : rows; }
std::int64_t Fp8Config::span_cols(std::int64_t cols) const { return scheme == Fp8Scheme::Block ? block_cols : cols; }

std::optional<Fp8Config> read_fp8_config(const nlohmann::json& config, const std::string& dir) {
    if (!config.is_object()) return std::nullopt;
    const auto it = config.find("quantization_config");
    if (it == config.end() || it->is_null()) return std::nullopt;
    const std::string where = (fs::path(dir) / "config.json").string() + ": quantization_config";
    const nlohmann::json& q = *it;
    if (!q.is_object()) return std::nullopt;
    const std::string method = lower(json_string(q, "quant_method", where).value_or(""));
    Fp8Config c;
    if (method == "fp8") c = read_vllm_fp8(q, where);
    else if (method == "compressed-tensors" && is_fp8_quantization_config(q)) c = read_compressed_tensors(q, where);
    else return std::nullopt;
    c.source = where;
    return c;
}

nlohmann::json fp8_config_json(const Fp8Config& c) {
    if (!c.compressed_tensors) {
        nlohmann::json j = {{"quant_method", "fp8"}, {"fmt", "e4m3"}, {"activation_scheme", "dynamic"}, {"ignored_layers", c.ignored}};
        if (c.scheme == Fp8Scheme::Block) j["weight_block_size"] = {c.block_rows, c.block_cols};
        return j;
    }
    const char* strategy = c.scheme == Fp8Scheme::Tensor ? "tensor" : c.scheme == Fp8Scheme::Channel ? "channel" : "block";
    nlohmann::json weights = {{"num_bits", 8},       {"type", "float"},    {"symmetric", true}, {"dynamic", false},
                              {"strategy", strategy}, {"group_size", nullptr}, {"actorder", nullptr}, {"observer", "minmax"},
                              {"observer_kwargs", nlohmann::json::object()},
                              {"block_structure", c.scheme == Fp8Scheme::Block ? nlohmann::json{c.block_rows, c.block_cols} : nlohmann::json(nullptr)}};
    nlohmann::json inputs = {{"num_bits", 8},        {"type", "float"},       {"symmetric", true},      {"dynamic", true},
                             {"strategy", "token"},  {"group_size", nullptr}, {"actorder", nullptr},    {"observer", nullptr},
                             {"observer_kwargs", nlohmann::json::object()}, {"block_structure", nullptr}};
    return {{"quant_method", "compressed-tensors"},
            {"format", "float-quantized"},
            {"quantization_status", "compressed"},
            {"config_groups",
             {{"group_0", {{"targets", {"Linear"}}, {"weights", weights}, {"input_activations", inputs}, {"output_activations", nullptr},
                           {"format", "float-quantized"}}}}},
            {"ignore", c.ignored},
            {"kv_cache_scheme", nullptr},
            {"global_compression_ratio", nullptr},
            {"sparsity_config", nlohmann::json::object()}};
}

}  // namespace qforge
