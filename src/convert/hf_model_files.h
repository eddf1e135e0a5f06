#pragma once
// The files of a Hugging Face checkpoint directory beside its weights: config.json and the tokenizer's. From a
// checkpoint they are its own (copied); from a GGUF they are written from its metadata (hf_config_from_gguf,
// hf_tokenizer_export), so any GGUF becomes a directory that transformers, vLLM and qforge's converter load.
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "formats/gguf/gguf_file.h"
#include "formats/hf/hf_checkpoint.h"
#include "formats/hf/hf_directory_writer.h"
#include "model/model_family.h"

namespace qforge {

struct HfModelFiles {
    nlohmann::json config;  // config.json, which writers amend (torch_dtype, quantization_config) before writing
    std::vector<std::pair<std::string, std::string>> generated;  // (name, contents)
    std::vector<std::pair<std::string, std::string>> copied;     // (name, source path)
    const ModelFamily* family = nullptr;

    // Everything but config.json into the directory.
    void write_beside_config(HfDirectoryWriter& writer) const;
    // `config` (this config, as a writer amended it) as config.json, the other files beside it, and the directory
    // committed: the last step of every checkpoint export.
    void finish(HfDirectoryWriter& writer, const nlohmann::json& config) const;
};

HfModelFiles hf_model_files(const HfCheckpoint& source);
HfModelFiles hf_model_files(const GgufFile& source);

}  // namespace qforge
