#pragma once
// Reads every quantized layer of a GPTQ/AWQ checkpoint directory the way `qforge convert` does: the config,
// each layer's shape and tensors, and its GGUF form (blocks where the grid maps, F32 otherwise). Shared by the
// fuzz target and the unit test that runs the crafted bad inputs through it.
#include <string>

#include "convert/quantized_linear_to_gguf.h"
#include "core/error.h"
#include "formats/hf/hf_checkpoint.h"
#include "formats/hf/quantized_linear.h"

namespace qforge::fuzz {

inline std::size_t read_quantized_dir(const std::string& dir) {
    const HfCheckpoint ck(dir);
    const auto config = read_quantization_config(ck.config(), dir);
    if (!config) fail("{}: no quantization config", dir);
    std::size_t bytes = 0;
    for (const std::string& prefix : quantized_linear_prefixes(ck)) {
        const LinearShape shape = quantized_linear_shape(ck, prefix, *config, dir);
        const IntLayer layer = read_quantized_linear(ck, prefix, *config, dir);
        const IntGrid grid{config->bits, config->group_size == -1 ? static_cast<int>(shape.in) : config->group_size,
                           config->symmetric, config->desc_act};
        bytes += int_layer_to_gguf(layer, gguf_type_for_grid(grid, shape.in).value_or(TensorType::F32), dir + ": " + prefix).size();
    }
    return bytes;
}

// The config a fuzz input's first byte picks.
inline const char* quantized_config_for(unsigned char selector) {
    static const char* const kConfigs[] = {
        R"({"architectures":["LlamaForCausalLM"],"quantization_config":{"quant_method":"gptq","bits":4,"group_size":32,"sym":false}})",
        R"({"architectures":["LlamaForCausalLM"],"quantization_config":{"quant_method":"gptq","bits":3,"group_size":-1,"checkpoint_format":"gptq_v2"}})",
        R"({"architectures":["LlamaForCausalLM"],"quantization_config":{"quant_method":"awq","bits":4,"group_size":32,"version":"gemm"}})",
        R"({"architectures":["LlamaForCausalLM"],"quantization_config":{"quant_method":"awq","bits":4,"group_size":32,"version":"gemv"}})",
        R"({"architectures":["LlamaForCausalLM"],"quantization_config":{"quant_method":"gptq","bits":8,"group_size":32,"sym":true,"desc_act":true}})",
    };
    return kConfigs[selector % (sizeof(kConfigs) / sizeof(kConfigs[0]))];
}

}  // namespace qforge::fuzz
