#include "formats/hf/hf_checkpoint.h"

#include <filesystem>
#include <map>
#include <set>

#include "core/error.h"
#include "formats/hf/json_file.h"

namespace qforge {
namespace fs = std::filesystem;

bool HfCheckpoint::looks_like_checkpoint(const std::string& dir) {
    return fs::is_directory(dir) && fs::exists(fs::path(dir) / "config.json");
}

std::string HfCheckpoint::file(const std::string& name) const {
    const fs::path p = fs::path(dir_) / name;
    return fs::exists(p) ? p.string() : std::string();
}

HfCheckpoint::HfCheckpoint(const std::string& dir) : dir_(dir) {
    if (!fs::is_directory(dir)) fail("{}: not a directory", dir);
    const fs::path config_path = fs::path(dir) / "config.json";
    if (!fs::exists(config_path)) fail("{}: no config.json (expected a Hugging Face checkpoint directory)", dir);
    config_ = read_json_file(config_path.string());
    if (!config_.is_object()) fail("{}: expected a JSON object", config_path.string());

    const fs::path index_path = fs::path(dir) / "model.safetensors.index.json";
    std::map<std::string, std::set<std::string>> expected;  // shard -> tensor names from the index
    if (fs::exists(index_path)) {
        const auto index = read_json_file(index_path.string());
        const auto wm = index.find("weight_map");
        if (!index.is_object() || wm == index.end() || !wm->is_object())
            fail("{}: missing object 'weight_map'", index_path.string());
        for (const auto& [tensor, shard] : wm->items()) {
            if (!shard.is_string()) fail("{}: weight_map entry '{}' must name a file", index_path.string(), tensor);
            const std::string shard_name = shard.get<std::string>();
            if (shard_name.find('/') != std::string::npos || shard_name == ".." || shard_name.empty())
                fail("{}: weight_map entry '{}' names '{}', which is not a file in the directory",
                     index_path.string(), tensor, shard_name);
            expected[shard_name].insert(tensor);
        }
        if (expected.empty()) fail("{}: weight_map is empty", index_path.string());
        for (const auto& [shard, names] : expected) shard_paths_.push_back((fs::path(dir) / shard).string());
    } else if (fs::exists(fs::path(dir) / "model.safetensors")) {
        shard_paths_.push_back((fs::path(dir) / "model.safetensors").string());
    } else {
        std::string hint = fs::exists(fs::path(dir) / "pytorch_model.bin") ||
                                   fs::exists(fs::path(dir) / "pytorch_model.bin.index.json")
                               ? " (PyTorch .bin weights are not supported: save them as safetensors)"
                               : "";
        fail("{}: no model.safetensors or model.safetensors.index.json{}", dir, hint);
    }

    std::set<std::string> seen;
    for (const auto& shard_path : shard_paths_) {
        if (!fs::exists(shard_path)) fail("{}: shard named in model.safetensors.index.json is missing", shard_path);
        shards_.push_back(std::make_unique<SafetensorsFile>(shard_path));
        const auto& shard = *shards_.back();
        const std::string shard_name = fs::path(shard_path).filename().string();
        for (const auto& t : shard.tensors()) {
            if (!seen.insert(t.name).second) fail("{}: tensor '{}' appears in more than one shard", shard_path, t.name);
            if (!expected.empty() && !expected[shard_name].count(t.name))
                fail("{}: tensor '{}' is not listed for this shard in model.safetensors.index.json", shard_path,
                     t.name);
            tensors_.push_back(t);
        }
        for (const auto& name : expected[shard_name])
            if (!shard.find(name))
                fail("{}: tensor '{}' listed in model.safetensors.index.json is missing from the shard", shard_path,
                     name);
    }
}

}  // namespace qforge
