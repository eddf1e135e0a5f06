#pragma once
// Converts an FP8 checkpoint directory the way `qforge convert` does (plan_hf_to_gguf, then every planned tensor
// made: FP8 weights dequantized with their scales). The directory holds config.json (a one-layer llama with
// hidden size 32 and one of a few FP8 configs), a small tokenizer.json and model.safetensors. Shared by the fuzz
// target and the unit test that runs the crafted bad inputs through it.
#include <string>

#include "convert/hf_to_gguf.h"
#include "core/error.h"
#include "formats/hf/hf_checkpoint.h"

namespace qforge::fuzz {

// (Any checkpoint plan_hf_to_gguf reads: the MLX fuzzer uses it too.)
inline std::size_t read_fp8_dir(const std::string& dir) {
    const HfCheckpoint ck(dir);
    ConvertOptions o;
    o.outtype = TensorType::F32;
    o.progress = false;
    const GgufPlan plan = plan_hf_to_gguf(ck, o);
    std::size_t bytes = 0;
    for (const PlannedTensor& p : plan.tensors)
        if (p.produce) bytes += p.produce().size();
    return bytes;
}

// The config a fuzz input's first byte picks: per tensor (vLLM's fp8), per channel (compressed-tensors), 16 x 16
// blocks (weight_scale_inv).
inline std::string fp8_config_for(unsigned char selector) {
    static const char* const kQuant[] = {
        R"({"quant_method":"fp8","activation_scheme":"dynamic"})",
        R"({"quant_method":"compressed-tensors","format":"float-quantized","config_groups":{"group_0":{"targets":["Linear"],)"
        R"("weights":{"num_bits":8,"type":"float","strategy":"channel"}}},"ignore":["lm_head"]})",
        R"({"quant_method":"fp8","activation_scheme":"dynamic","weight_block_size":[16,16]})",
    };
    return std::string(R"({"architectures":["LlamaForCausalLM"],"num_hidden_layers":1,"hidden_size":32,"num_attention_heads":4,)"
                       R"("vocab_size":8,"quantization_config":)") +
           kQuant[selector % 3] + "}";
}

inline const char* fp8_tokenizer_json() {
    return R"({"model":{"type":"BPE","vocab":{"a":0,"b":1,"c":2,"d":3},"merges":[]},)"
           R"("pre_tokenizer":{"type":"ByteLevel","add_prefix_space":false,"use_regex":true}})";
}

}  // namespace qforge::fuzz
