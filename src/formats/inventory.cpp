#include "formats/inventory.h"

#include <cstring>
#include <filesystem>

#include "core/error.h"
#include "formats/format_detect.h"
#include "formats/gguf/gguf_file.h"
#include "formats/hf/hf_checkpoint.h"
#include "formats/hf/fp8_config.h"
#include "formats/hf/quantized_linear.h"
#include "formats/mlx_lm/mlx_config.h"
#include "formats/llama2c/llama2c_checkpoint.h"
#include "formats/safetensors/safetensors_file.h"

namespace qforge {
namespace fs = std::filesystem;
namespace {

nlohmann::json array_json(const GgufArray& a) {
    nlohmann::json out = nlohmann::json::array();
    const auto n = a.size();
    for (std::uint64_t i = 0; i < n; ++i) {
        switch (a.elem) {
            case GgufType::STRING: out.push_back(a.strings[i]); break;
            case GgufType::U8: out.push_back(a.raw[i]); break;
            case GgufType::I8: out.push_back(static_cast<std::int8_t>(a.raw[i])); break;
            case GgufType::BOOL: out.push_back(a.raw[i] != 0); break;
            case GgufType::U16: { std::uint16_t x; std::memcpy(&x, &a.raw[i * 2], 2); out.push_back(x); break; }
            case GgufType::I16: { std::int16_t x; std::memcpy(&x, &a.raw[i * 2], 2); out.push_back(x); break; }
            case GgufType::U32: out.push_back(a.at<std::uint32_t>(i)); break;
            case GgufType::I32: out.push_back(a.at<std::int32_t>(i)); break;
            case GgufType::F32: out.push_back(a.at<float>(i)); break;
            case GgufType::U64: out.push_back(a.at<std::uint64_t>(i)); break;
            case GgufType::I64: out.push_back(a.at<std::int64_t>(i)); break;
            case GgufType::F64: out.push_back(a.at<double>(i)); break;
            default: break;
        }
    }
    return out;
}

nlohmann::json value_json(const GgufValue& v) {
    return std::visit(
        [](const auto& x) -> nlohmann::json {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, GgufArray>) return array_json(x);
            else return nlohmann::json(x);
        },
        v.v);
}

void add_tensors(Inventory& inv, const std::vector<TensorView>& tensors) {
    for (const auto& t : tensors) {
        InventoryTensor row{t.name, t.type, t.ne, t.data.size(), static_cast<std::uint64_t>(t.n_elements())};
        inv.total_bytes += row.bytes;
        inv.total_elements += row.elements;
        inv.tensors.push_back(std::move(row));
    }
}

void add_json_object(Inventory& inv, const nlohmann::json& obj, const std::string& prefix) {
    for (const auto& [k, v] : obj.items()) {
        std::string display = v.dump();
        if (display.size() > 120) display = display.substr(0, 117) + "...";
        inv.metadata.push_back({prefix + k, "json", display, v});
    }
}

}  // namespace

Inventory take_inventory(const std::string& path) {
    Inventory inv;
    inv.path = path;
    const InputKind kind = detect_input_kind(path);
    inv.format = std::string(input_kind_name(kind));
    switch (kind) {
        case InputKind::Gguf: {
            GgufFile f(path);
            inv.file_bytes = f.file_size();
            inv.format = "GGUF v" + std::to_string(f.version());
            if (f.shard_count() > 1) inv.format += ", " + std::to_string(f.shard_count()) + " shards";
            for (const auto& [k, v] : f.metadata().items())
                inv.metadata.push_back({k, std::string(gguf_type_name(v.type())), v.to_display(), value_json(v)});
            add_tensors(inv, f.tensors());
            break;
        }
        case InputKind::Safetensors: {
            SafetensorsFile f(path);
            inv.file_bytes = fs::file_size(path);
            for (const auto& [k, v] : f.metadata()) inv.metadata.push_back({"__metadata__." + k, "string", v, v});
            add_tensors(inv, f.tensors());
            break;
        }
        case InputKind::HfDirectory: {
            HfCheckpoint ck(path);
            for (const auto& shard : ck.shard_paths()) inv.file_bytes += fs::file_size(shard);
            add_json_object(inv, ck.config(), "config.");
            add_tensors(inv, ck.tensors());
            if (const auto q = read_quantization_config(ck.config(), ck.dir())) {
                // parameters of a GPTQ/AWQ checkpoint: each layer's in x out weights, not its packed words
                inv.metadata.push_back({"quantization", "string", q->describe() + " (" + q->source + ")", q->describe()});
                inv.total_elements = 0;
                for (const auto& t : ck.tensors())
                    if (!is_quantized_linear_part(t.name)) inv.total_elements += static_cast<std::uint64_t>(t.n_elements());
                for (const auto& prefix : quantized_linear_prefixes(ck)) {
                    const LinearShape shape = quantized_linear_shape(ck, prefix, *q, path);
                    inv.total_elements += static_cast<std::uint64_t>(shape.in * shape.out);
                }
            }
            if (const auto m = read_mlx_quantization(ck.config(), ck.dir())) {
                // parameters of an MLX directory: a packed weight's levels (words x 32 / bits), not its scales and biases
                inv.metadata.push_back({"quantization", "string", m->describe() + " (" + m->source + ")", m->describe()});
                inv.total_elements = 0;
                for (const auto& t : ck.tensors()) {
                    const bool packed = t.type == TensorType::U32 && t.name.ends_with(".weight");
                    const std::string module = packed ? t.name.substr(0, t.name.size() - 7) : std::string();
                    if (t.name.ends_with(".scales") || t.name.ends_with(".biases")) continue;
                    const auto n = static_cast<std::uint64_t>(t.n_elements());
                    inv.total_elements += packed ? n * 32 / static_cast<std::uint64_t>(m->grid_of(module).bits) : n;
                }
            }
            if (const auto f = read_fp8_config(ck.config(), ck.dir())) {
                inv.metadata.push_back({"quantization", "string", f->describe() + " (" + f->source + ")", f->describe()});
                for (const auto& t : ck.tensors())  // the scales are not parameters
                    if (t.name.ends_with("_scale") || t.name.ends_with("_scale_inv")) inv.total_elements -= static_cast<std::uint64_t>(t.n_elements());
            }
            break;
        }
        case InputKind::Llama2c: {
            Llama2cCheckpoint ck(path);
            inv.file_bytes = fs::file_size(path);
            const auto& c = ck.config();
            const std::pair<const char*, std::int64_t> fields[] = {
                {"version", c.version}, {"dim", c.dim}, {"hidden_dim", c.hidden_dim}, {"n_layers", c.n_layers},
                {"n_heads", c.n_heads}, {"n_kv_heads", c.n_kv_heads}, {"vocab_size", c.vocab_size},
                {"seq_len", c.seq_len}, {"shared_classifier", c.shared_classifier ? 1 : 0}};
            for (const auto& [k, v] : fields) inv.metadata.push_back({k, "int", std::to_string(v), v});
            add_tensors(inv, ck.tensors());
            break;
        }
        case InputKind::Unknown:
            fail("{}: not a GGUF, safetensors or llama2.c file, nor a Hugging Face checkpoint directory", path);
    }
    return inv;
}

}  // namespace qforge
