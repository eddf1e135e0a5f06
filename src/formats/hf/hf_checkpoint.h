#pragma once
// A Hugging Face checkpoint directory: config.json plus safetensors weights, single-file or sharded through
// model.safetensors.index.json. Tensors are listed shard by shard (shards in name order, tensors sorted by name
// within each), the order llama.cpp's converter reads them in.
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/tensor_view.h"
#include "formats/safetensors/safetensors_file.h"

namespace qforge {

class HfCheckpoint : public TensorSource {
public:
    explicit HfCheckpoint(const std::string& dir);

    const std::string& dir() const { return dir_; }
    const nlohmann::json& config() const { return config_; }
    const std::vector<std::string>& shard_paths() const { return shard_paths_; }
    const std::vector<TensorView>& tensors() const override { return tensors_; }
    // Path of a file in the directory, or empty when it does not exist.
    std::string file(const std::string& name) const;

    static bool looks_like_checkpoint(const std::string& dir);

private:
    std::string dir_;
    nlohmann::json config_;
    std::vector<std::string> shard_paths_;
    std::vector<std::unique_ptr<SafetensorsFile>> shards_;
    std::vector<TensorView> tensors_;
};

}  // namespace qforge
