#pragma once
// config.json of a Hugging Face checkpoint from a GGUF's {arch}.* metadata: the inverse of hf_hparams' key
// mapping, family by family, written so that transformers builds the same model and qforge's converter
// (following llama.cpp's) writes the same keys back. Values the GGUF holds as f32 are written as the shortest
// decimal that reads back to that f32 (1e-05, not 9.999999747378752e-06).
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "formats/gguf/gguf_metadata.h"
#include "model/model_family.h"

namespace qforge {

// What the file's tensors say that its keys do not.
struct GgufTensorFacts {
    bool has_output = true;     // output.weight present (false: the embeddings are tied)
    std::int64_t n_vocab = 0;   // tokens in the vocabulary
    // Phi-3's LongRoPE factors (rope_factors_long/short.weight), llama 3's rope_freqs.weight
    std::optional<std::vector<float>> rope_factors_long, rope_factors_short, rope_freqs;
};

// Throws naming the file (`where`) and key when a value is missing or has no config.json form.
nlohmann::json hf_config_from_gguf(const GgufMetadata& metadata, const ModelFamily& family, const GgufTensorFacts& facts,
                                   const std::string& where);

// The shortest decimal of an f32 value that parses back to it, as a JSON number.
nlohmann::json json_f32(float v);

}  // namespace qforge
