#pragma once
// Converts an mlx-lm quantized directory the way `qforge convert` does (plan_hf_to_gguf, then every planned tensor
// made: levels unpacked and dequantized with their scales and biases). The directory holds config.json (a
// one-layer llama with hidden size 32 and one of a few MLX grids), the FP8 fuzzer's small tokenizer.json and
// model.safetensors. Shared by the fuzz target and the unit test that runs the crafted bad inputs through it.
#include <string>

#include "read_fp8_dir.h"

namespace qforge::fuzz {

inline std::size_t read_mlx_dir(const std::string& dir) { return read_fp8_dir(dir); }

// The config a fuzz input's first byte picks: 4, 3 or 8 bits in groups of 32.
inline std::string mlx_config_for(unsigned char selector) {
    static const char* const kQuant[] = {R"({"group_size":32,"bits":4,"mode":"affine"})", R"({"group_size":32,"bits":3})",
                                         R"({"group_size":32,"bits":8,"model.layers.0.self_attn.o_proj":{"group_size":32,"bits":8}})"};
    const std::string q = kQuant[selector % 3];
    return R"({"architectures":["LlamaForCausalLM"],"num_hidden_layers":1,"hidden_size":32,"num_attention_heads":4,)"
           R"("vocab_size":8,"quantization":)" + q + R"(,"quantization_config":)" + q + "}";
}

}  // namespace qforge::fuzz
